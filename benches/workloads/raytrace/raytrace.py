"""Ray tracer: spheres and a checkered plane, point lights, shadows, reflection.

Small vector class with operator methods, intersection tests full of
branches, recursion for reflections; renders to a list of RGB tuples.
"""

import math
import sys


class Vec:
    __slots__ = ("x", "y", "z")

    def __init__(self, x: float, y: float, z: float) -> None:
        self.x, self.y, self.z = x, y, z

    def __add__(self, o: "Vec") -> "Vec":
        return Vec(self.x + o.x, self.y + o.y, self.z + o.z)

    def __sub__(self, o: "Vec") -> "Vec":
        return Vec(self.x - o.x, self.y - o.y, self.z - o.z)

    def scale(self, k: float) -> "Vec":
        return Vec(self.x * k, self.y * k, self.z * k)

    def dot(self, o: "Vec") -> float:
        return self.x * o.x + self.y * o.y + self.z * o.z

    def norm(self) -> "Vec":
        length = math.sqrt(self.dot(self))
        return self.scale(1.0 / length) if length else self


class Ray:
    __slots__ = ("direction", "origin")

    def __init__(self, origin: Vec, direction: Vec) -> None:
        self.origin = origin
        self.direction = direction.norm()

    def at(self, t: float) -> Vec:
        return self.origin + self.direction.scale(t)


class Sphere:
    def __init__(self, center: Vec, radius: float, color: Vec, mirror: float) -> None:
        self.center, self.radius, self.color, self.mirror = center, radius, color, mirror

    def hit(self, ray: Ray) -> float | None:
        oc = ray.origin - self.center
        b = oc.dot(ray.direction)
        c = oc.dot(oc) - self.radius * self.radius
        disc = b * b - c
        if disc < 0:
            return None
        root = math.sqrt(disc)
        t = -b - root
        if t > 1e-6:
            return t
        t = -b + root
        return t if t > 1e-6 else None

    def normal(self, point: Vec) -> Vec:
        return (point - self.center).norm()

    def color_at(self, point: Vec) -> Vec:
        return self.color


class Plane:
    def __init__(self, point: Vec, normal_: Vec, mirror: float) -> None:
        self.point, self.n, self.mirror = point, normal_.norm(), mirror

    def hit(self, ray: Ray) -> float | None:
        denom = self.n.dot(ray.direction)
        if abs(denom) < 1e-9:
            return None
        t = (self.point - ray.origin).dot(self.n) / denom
        return t if t > 1e-6 else None

    def normal(self, point: Vec) -> Vec:
        return self.n

    def color_at(self, point: Vec) -> Vec:
        if (math.floor(point.x) + math.floor(point.z)) % 2 == 0:
            return Vec(0.9, 0.9, 0.9)
        return Vec(0.1, 0.1, 0.1)


Shape = Sphere | Plane


class Scene:
    def __init__(self) -> None:
        self.shapes: list[Shape] = [
            Plane(Vec(0, 0, 0), Vec(0, 1, 0), 0.2),
            Sphere(Vec(0, 1, 3), 1.0, Vec(0.9, 0.2, 0.2), 0.3),
            Sphere(Vec(-1.8, 0.6, 4), 0.6, Vec(0.2, 0.9, 0.2), 0.0),
            Sphere(Vec(1.7, 0.8, 4.5), 0.8, Vec(0.2, 0.3, 0.9), 0.6),
        ]
        self.lights = [Vec(-4, 6, -2), Vec(5, 4, 0)]
        self.eye = Vec(0, 1.5, -4)

    def nearest(self, ray: Ray) -> tuple[float, Shape] | None:
        best: tuple[float, Shape] | None = None
        for shape in self.shapes:
            t = shape.hit(ray)
            if t is not None and (best is None or t < best[0]):
                best = (t, shape)
        return best

    def shadowed(self, point: Vec, light: Vec) -> bool:
        to_light = light - point
        distance = math.sqrt(to_light.dot(to_light))
        found = self.nearest(Ray(point, to_light))
        return found is not None and found[0] < distance

    def trace(self, ray: Ray, depth: int) -> Vec:
        found = self.nearest(ray)
        if found is None:
            return Vec(0.5, 0.7, 1.0).scale(0.5 + 0.5 * ray.direction.y)
        t, shape = found
        point = ray.at(t)
        normal = shape.normal(point)
        base = shape.color_at(point)
        light_sum = 0.1
        for light in self.lights:
            if self.shadowed(point, light):
                continue
            lambert = normal.dot((light - point).norm())
            if lambert > 0:
                light_sum += 0.45 * lambert
        color = base.scale(light_sum)
        if shape.mirror > 0 and depth < 3:
            d = ray.direction
            reflected = d - normal.scale(2 * d.dot(normal))
            bounce = self.trace(Ray(point, reflected), depth + 1)
            color = color.scale(1 - shape.mirror) + bounce.scale(shape.mirror)
        return color


def render(scene: Scene, width: int, height: int) -> list[tuple[int, int, int]]:
    pixels = []
    for j in range(height):
        for i in range(width):
            x = (i - width / 2) / width
            y = (height / 2 - j) / height
            ray = Ray(scene.eye, Vec(x, y, 1.0))
            c = scene.trace(ray, 0)
            pixels.append(
                (min(255, int(c.x * 255)), min(255, int(c.y * 255)), min(255, int(c.z * 255)))
            )
    return pixels


def main(size: int) -> int:
    pixels = render(Scene(), size, size * 3 // 4)
    checksum = sum(r + 3 * g + 7 * b for r, g, b in pixels) % 1_000_003
    print(f"raytrace: {len(pixels)} pixels, checksum {checksum}")
    return checksum


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
