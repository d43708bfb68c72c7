"""async for loops over async iterators, with and without else."""

import asyncio


class Ticker:
    def __init__(self, n: int) -> None:
        self.n = n

    def __aiter__(self) -> "Ticker":
        return self

    async def __anext__(self) -> int:
        if self.n <= 0:
            raise StopAsyncIteration
        self.n -= 1
        return self.n


async def collect(n: int) -> list[int]:
    out = []
    async for tick in Ticker(n):
        if tick == 100:
            out.append(-1)
        out.append(tick)
    return out


async def find(n: int, wanted: int) -> str:
    async for tick in Ticker(n):
        if tick == wanted:
            break
    else:
        return "missing"
    return "found"


async def main() -> None:
    print(await collect(3))
    print(await find(4, 2), await find(4, 2))
    print(await collect(0))


asyncio.run(main())
