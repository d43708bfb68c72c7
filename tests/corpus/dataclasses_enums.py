"""dataclasses, enums and NamedTuples with methods that branch."""

import enum
from dataclasses import dataclass, field
from typing import NamedTuple


class Level(enum.IntEnum):
    LOW = 1
    MID = 2
    HIGH = 3

    def label(self) -> str:
        if self is Level.HIGH:
            return "high!"
        return self.name.lower()


@dataclass(order=True)
class Task:
    priority: int
    name: str = field(compare=False)
    tags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.priority < 0:
            raise ValueError("priority")


class Pair(NamedTuple):
    left: int
    right: int

    def bigger(self) -> int:
        return self.left if self.left > self.right else self.right


tasks = sorted([Task(2, "b"), Task(1, "a")])
print([t.name for t in tasks], Level.LOW.label(), Level(2).label(), Pair(1, 5).bigger())
