"""A long elif chain where only a few arms run."""


def roman(n: int) -> str:
    if n == 1:
        return "I"
    elif n == 2:
        return "II"
    elif n == 3:
        return "III"
    elif n == 4:
        return "IV"
    elif n == 5:
        return "V"
    elif n == 6:
        return "VI"
    elif n == 7:
        return "VII"
    elif n == 8:
        return "VIII"
    elif n == 9:
        return "IX"
    elif n == 10:
        return "X"
    elif n == 11:
        return "XI"
    elif n == 12:
        return "XII"


print(roman(1), roman(4), roman(9), roman(40))
