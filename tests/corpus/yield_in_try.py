"""Generators with try/finally around yields, closed early."""


def guarded(n: int):
    try:
        for i in range(n):
            if i == 50:
                return
            yield i
    finally:
        print("generator cleanup")


def resource_lines(lines: list[str]):
    print("open")
    try:
        for line in lines:
            try:
                yield int(line)
            except ValueError:
                yield -1
    except GeneratorExit:
        print("closed early")
        raise
    else:
        print("exhausted")


g = guarded(10)
print(next(g), next(g))
g.close()
print(list(resource_lines(["1", "2"])))
r = resource_lines(["3", "4", "5"])
print(next(r))
r.close()
