"""async with: single, nested and multiple items; an exception leaving a block."""

import asyncio


class Resource:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def __aenter__(self) -> "Resource":
        self.log.append(f"enter {self.name}")
        return self

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> bool:
        self.log.append(f"exit {self.name}")
        if exc_type is KeyError:
            return True
        return False


async def main() -> None:
    log: list[str] = []
    async with Resource("a", log) as a:
        log.append(a.name)
    async with Resource("b", log), Resource("c", log) as c:
        if c.name == "zzz":
            log.append("never")
        log.append("inside bc")
    async with Resource("d", log):
        async with Resource("e", log):
            raise KeyError("swallowed")
    try:
        async with Resource("f", log):
            raise ValueError("escapes")
    except ValueError:
        log.append("caught")
    async with (
        Resource("g", log) as g,
        Resource("h", log),
    ):
        if g.name == "g":
            log.append("g ok")
        else:
            log.append("g bad")
    print(log)


asyncio.run(main())
