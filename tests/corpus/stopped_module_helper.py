"""Imported by stopped_bodies.py: a module body that raises part way."""

FIRST = 1
SECOND = int("not a number")
NEVER = 3
