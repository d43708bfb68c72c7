"""Branches executed in worker threads; output is collected and printed in order."""

import threading


def work(n: int, out: dict[int, str]) -> None:
    if n % 2:
        out[n] = "odd"
    elif n > 100:
        out[n] = "huge"
    else:
        out[n] = "even"


def never_in_thread() -> None:
    print("unused")


results: dict[int, str] = {}
threads = [threading.Thread(target=work, args=(i, results)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(results.items()))
