"""Properties, classmethods, staticmethods and dunder methods."""


class Temperature:
    def __init__(self, celsius: float) -> None:
        self._c = celsius

    @property
    def celsius(self) -> float:
        return self._c

    @celsius.setter
    def celsius(self, value: float) -> None:
        if value < -273.15:
            raise ValueError("below absolute zero")
        self._c = value

    @property
    def fahrenheit(self) -> float:
        return self._c * 9 / 5 + 32

    @classmethod
    def from_f(cls, f: float) -> "Temperature":
        return cls((f - 32) * 5 / 9)

    @staticmethod
    def describe(value: float) -> str:
        if value > 30:
            return "hot"
        elif value < 0:
            return "freezing"
        return "mild"

    def __repr__(self) -> str:
        return f"Temperature({self._c:.1f})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Temperature):
            return self._c == other._c
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._c)


t = Temperature(20)
t.celsius = 25
print(t, t.fahrenheit, Temperature.from_f(212), Temperature.describe(t.celsius))
print(t == Temperature(25))
