"""Async generators and async comprehensions."""

import asyncio


async def ticks(n: int):
    for i in range(n):
        if i == 100:
            yield -1
        await asyncio.sleep(0)
        yield i


async def filtered(n: int):
    async for t in ticks(n):
        if t % 2:
            continue
        yield t * 10


async def main() -> None:
    values = [v async for v in filtered(5)]
    odd = [t async for t in ticks(4) if t % 2]
    never = [t async for t in ticks(0) if t]
    print(values, odd, never)
    agen = ticks(10)
    print(await agen.__anext__())
    await agen.aclose()


asyncio.run(main())
