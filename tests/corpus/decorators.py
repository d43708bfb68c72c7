"""Decorators: stacked, multi-line, with arguments, on classes and methods."""

import functools


def tag(label: str):
    def wrap(func):
        @functools.wraps(func)
        def inner(*args, **kwargs):
            if label == "loud":
                print("calling", func.__name__)
            return func(*args, **kwargs)

        return inner

    return wrap


def register(cls):
    cls.registered = True
    return cls


@tag("loud")
@tag("quiet")
def greet(name: str) -> str:
    if not name:
        return "hello nobody"
    return f"hello {name}"


@tag(
    "multi"
    "line",
)
@functools.lru_cache(
    maxsize=None,
)
def square(n: int) -> int:
    if n < 0:
        raise ValueError("negative")
    return n * n


@register
class Widget:
    @staticmethod
    @tag("quiet")
    def make(size: int) -> str:
        if size > 10:
            return "big widget"
        return "widget"

    @property
    def name(self) -> str:
        return "w"


print(greet("ann"), square(4), Widget.make(2), Widget.registered, Widget().name)
