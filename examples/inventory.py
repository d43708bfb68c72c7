"""A tiny inventory with commands parsed by `match`, errors and a summary report."""

from __future__ import annotations

from dataclasses import dataclass, field


class InventoryError(Exception):
    pass


@dataclass
class Inventory:
    items: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        if count <= 0:
            raise InventoryError(f"cannot add {count} {name}")
        self.items[name] = self.items.get(name, 0) + count

    def remove(self, name: str, count: int) -> None:
        have = self.items.get(name, 0)
        if count > have:
            raise InventoryError(f"only {have} {name} left")
        if count == have:
            del self.items[name]
        else:
            self.items[name] = have - count


def execute(inventory: Inventory, command: str) -> str:
    match command.split():
        case ["add", name, count] if count.isdigit():
            inventory.add(name, int(count))
            return f"added {count} {name}"
        case ["remove" | "rm", name, count]:
            inventory.remove(name, int(count))
            return f"removed {count} {name}"
        case ["list"]:
            return ", ".join(f"{n}={c}" for n, c in sorted(inventory.items.items())) or "empty"
        case []:
            return ""
        case _:
            return f"unknown command: {command!r}"


def main() -> None:
    inventory = Inventory()
    script = ["add apple 5", "add pear 2", "rm apple 2", "remove pear 9", "list", "fly away"]
    for command in script:
        try:
            print(">", command, "->", execute(inventory, command))
        except InventoryError as exc:
            print(">", command, "-> error:", exc)


main()
