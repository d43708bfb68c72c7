"""An asyncio pipeline: an async generator feeding workers through a queue."""

from __future__ import annotations

import asyncio


async def produce(n: int):
    for i in range(n):
        await asyncio.sleep(0)
        if i % 5 == 4:
            yield None  # a gap in the data
        else:
            yield i


async def worker(name: str, queue: asyncio.Queue[int | None], results: list[str]) -> None:
    while True:
        item = await queue.get()
        try:
            if item is None:
                break
            if item < 0:
                results.append(f"{name}: negative {item}")
                continue
            results.append(f"{name}: {item * item}")
        finally:
            queue.task_done()


async def main() -> None:
    queue: asyncio.Queue[int | None] = asyncio.Queue()
    results: list[str] = []
    async for item in produce(8):
        if item is not None:
            await queue.put(item)
    workers = [asyncio.create_task(worker(f"w{k}", queue, results)) for k in range(2)]
    for _ in workers:
        await queue.put(None)
    await asyncio.gather(*workers)
    print(sorted(results, key=lambda r: int(r.split(": ")[1])))


asyncio.run(main())
