"""Class bodies with nested classes, class-level ifs and loops."""

import sys

DEBUG = False


class Config:
    name = "config"
    if DEBUG:
        level = "debug"
    else:
        level = "info"

    if sys.version_info >= (3, 12):
        modern = True

    squares = []
    for i in range(3):
        squares.append(i * i)

    class Inner:
        kind = "inner"

        class Deeper:
            def depth(self) -> int:
                return 3

        def describe(self) -> str:
            if self.kind == "inner":
                return "an inner"
            return "not inner"

    def method(self, x: int) -> int:
        if x:
            return x + 1
        return 0


class Empty:
    pass


class WithBase(Config):
    if Config.level == "debug":
        extra = 1


print(Config.level, Config.squares, Config.Inner().describe(), Config().method(2))
print(Config.Inner.Deeper().depth(), Empty.__name__, WithBase.modern)
