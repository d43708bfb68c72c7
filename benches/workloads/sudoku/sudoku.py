"""Sudoku by constraint propagation and depth-first search.

Grids are dicts from square name to the string of digits still possible;
assigning a digit eliminates it from the square's peers, and a unit left with
one place for a digit gets it. Heavy on dict/str operations and branches.
"""

import sys

DIGITS = "123456789"
ROWS = "ABCDEFGHI"


def cross(a: str, b: str) -> list[str]:
    return [x + y for x in a for y in b]


SQUARES = cross(ROWS, DIGITS)
UNITS_LIST = (
    [cross(ROWS, c) for c in DIGITS]
    + [cross(r, DIGITS) for r in ROWS]
    + [cross(rs, cs) for rs in ("ABC", "DEF", "GHI") for cs in ("123", "456", "789")]
)
UNITS = {s: [u for u in UNITS_LIST if s in u] for s in SQUARES}
PEERS = {s: {p for unit in UNITS[s] for p in unit} - {s} for s in SQUARES}

Grid = dict[str, str]


def assign(grid: Grid, square: str, digit: str) -> Grid | None:
    for other in grid[square].replace(digit, ""):
        if eliminate(grid, square, other) is None:
            return None
    return grid


def eliminate(grid: Grid, square: str, digit: str) -> Grid | None:
    if digit not in grid[square]:
        return grid
    left = grid[square].replace(digit, "")
    grid[square] = left
    if not left:
        return None
    if len(left) == 1:
        only = left
        for peer in PEERS[square]:
            if eliminate(grid, peer, only) is None:
                return None
    for unit in UNITS[square]:
        places = [s for s in unit if digit in grid[s]]
        if not places:
            return None
        if len(places) == 1 and assign(grid, places[0], digit) is None:
            return None
    return grid


def parse(puzzle: str) -> Grid | None:
    grid = {s: DIGITS for s in SQUARES}
    cells = [c for c in puzzle if c in DIGITS or c in "0."]
    for square, c in zip(SQUARES, cells):
        if c in DIGITS and assign(grid, square, c) is None:
            return None
    return grid


def search(grid: Grid | None) -> Grid | None:
    if grid is None:
        return None
    if all(len(grid[s]) == 1 for s in SQUARES):
        return grid
    _, square = min((len(grid[s]), s) for s in SQUARES if len(grid[s]) > 1)
    for digit in grid[square]:
        found = search(assign(dict(grid), square, digit))
        if found is not None:
            return found
    return None


def solved(grid: Grid) -> bool:
    return all(sorted(grid[s] for s in unit) == list(DIGITS) for unit in UNITS_LIST)


def make_puzzles(count: int) -> list[str]:
    """Puzzles derived from one valid grid by relabelling digits and blanking
    a pseudo-random 58 of its 81 cells (a linear congruential generator keeps
    the run deterministic)."""
    base = [(r * 3 + r // 3 + c) % 9 + 1 for r in range(9) for c in range(9)]
    state = 12345
    puzzles = []
    for _ in range(count):
        state = (state * 1103515245 + 12345) % 2**31
        shift = state % 9
        cells = [str((v + shift) % 9 + 1) for v in base]
        for _ in range(58):
            state = (state * 1103515245 + 12345) % 2**31
            cells[state % 81] = "."
        puzzles.append("".join(cells))
    return puzzles


def main(count: int) -> int:
    hard = "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......"
    n_solved = 0
    for puzzle in [hard] + make_puzzles(count):
        grid = search(parse(puzzle))
        if grid is not None and solved(grid):
            n_solved += 1
    print(f"sudoku: solved {n_solved} of {count + 1}")
    return n_solved


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
