"""Line numbers seen from inside the program: co_firstlineno, getsource, f_lineno, stacks."""

import inspect
import sys
import traceback


def branchy(x: int) -> int:
    if x > 0:
        x += 1
    for _ in range(2):
        if x > 100:
            break
    return x


class Shape:
    if sys.version_info >= (3, 12):
        sides = 4

    def area(self, n: int) -> int:
        if n: return n * n
        return 0


def where() -> int:
    frame = sys._getframe()
    if frame.f_lineno > 0:
        return frame.f_lineno
    return -1


def stack_lines() -> list[int]:
    return [entry.lineno for entry in traceback.extract_stack(limit=2)]


@staticmethod
def decorated() -> None:
    pass


lam = lambda y: (
    y + 1
)
print(branchy(1), branchy.__code__.co_firstlineno, Shape.area.__code__.co_firstlineno)
print(inspect.getsource(branchy))
print(inspect.getsource(Shape))
print(inspect.getsource(lam))
print(inspect.getsourcelines(Shape.area)[1], where(), stack_lines())
print(lam.__code__.co_firstlineno, decorated.__func__.__code__.co_firstlineno)
print(Shape.__dict__.get("__firstlineno__"), inspect.currentframe().f_lineno)
