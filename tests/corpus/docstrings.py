"""Module docstring.

Spanning several lines, it is not a statement.
"""


def documented(x: int) -> int:
    """Return x doubled.

    A multi-line docstring is not a statement either.
    """
    if x < 0:
        return 0
    return x * 2


def only_docstring() -> None:
    """This function has nothing but a docstring."""


class Documented:
    """Class docstring."""

    attr = 1

    def method(self) -> str:
        '''Single-quoted docstring.'''
        return "m"

    def unused(self) -> None:
        """Never called."""
        print("unused")


def string_not_first(x: int) -> str:
    x += 1
    "this string is an expression statement"
    return str(x)


print(documented(3), only_docstring(), Documented().method(), string_not_first(1))
