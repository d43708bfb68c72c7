"""Helpers shared by the shapes modules."""


def positive(value: float) -> float:
    if value < 0:
        raise ValueError("negative")
    if value == 0:
        return 0.0
    return float(value)


def unused_helper() -> None:
    print("never imported by anyone")
