"""N-body: a leapfrog integration of five bodies of a toy solar system.

Float arithmetic in tight loops over a handful of lines: the workload where
per-line cost matters least once lines are seen, and most for tracers.
"""

import sys

PI = 3.141592653589793
SOLAR_MASS = 4 * PI * PI
DAYS_PER_YEAR = 365.24


class Body:
    __slots__ = ("mass", "vx", "vy", "vz", "x", "y", "z")

    def __init__(
        self, pos: tuple[float, float, float], vel: tuple[float, float, float], mass: float
    ):
        self.x, self.y, self.z = pos
        self.vx, self.vy, self.vz = (v * DAYS_PER_YEAR for v in vel)
        self.mass = mass * SOLAR_MASS


def make_system() -> list[Body]:
    return [
        Body((0.0, 0.0, 0.0), (0.0, 0.0, 0.0), 1.0),
        Body((4.84, -1.16, -0.10), (1.66e-3, 7.70e-3, -6.90e-5), 9.54e-4),
        Body((8.34, 4.12, -0.40), (-2.77e-3, 5.00e-3, 2.30e-5), 2.86e-4),
        Body((12.89, -15.11, -0.22), (2.96e-3, 2.37e-3, -2.96e-5), 4.36e-5),
        Body((15.37, -25.91, 0.17), (2.68e-3, 1.62e-3, -9.51e-5), 5.15e-5),
    ]


def center_momentum(bodies: list[Body]) -> None:
    px = py = pz = 0.0
    for b in bodies:
        px += b.vx * b.mass
        py += b.vy * b.mass
        pz += b.vz * b.mass
    sun = bodies[0]
    sun.vx = -px / SOLAR_MASS
    sun.vy = -py / SOLAR_MASS
    sun.vz = -pz / SOLAR_MASS


def energy(bodies: list[Body]) -> float:
    total = 0.0
    for i, a in enumerate(bodies):
        total += 0.5 * a.mass * (a.vx * a.vx + a.vy * a.vy + a.vz * a.vz)
        for b in bodies[i + 1 :]:
            dx, dy, dz = a.x - b.x, a.y - b.y, a.z - b.z
            total -= a.mass * b.mass / (dx * dx + dy * dy + dz * dz) ** 0.5
    return total


def advance(bodies: list[Body], pairs: list[tuple[Body, Body]], dt: float, steps: int) -> None:
    for _ in range(steps):
        for a, b in pairs:
            dx = a.x - b.x
            dy = a.y - b.y
            dz = a.z - b.z
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * d2**0.5)
            bm = b.mass * mag
            am = a.mass * mag
            a.vx -= dx * bm
            a.vy -= dy * bm
            a.vz -= dz * bm
            b.vx += dx * am
            b.vy += dy * am
            b.vz += dz * am
        for body in bodies:
            body.x += dt * body.vx
            body.y += dt * body.vy
            body.z += dt * body.vz


def main(steps: int) -> float:
    bodies = make_system()
    pairs = [(a, b) for i, a in enumerate(bodies) for b in bodies[i + 1 :]]
    center_momentum(bodies)
    before = energy(bodies)
    advance(bodies, pairs, 0.01, steps)
    after = energy(bodies)
    print(f"nbody: energy {before:.9f} -> {after:.9f}")
    return after


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
