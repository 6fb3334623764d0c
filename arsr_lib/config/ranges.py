"""The stated range of every numeric setting, checked when an experiment is built (from a profile, an override
or a file): an out-of-range value is an error naming the field, its value and the range."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

INF = math.inf


@dataclass(frozen=True)
class Range:
    """``[lo, hi]``; an open end excludes its bound (``(0, inf]``: strictly positive)."""

    lo: float = -INF
    hi: float = INF
    open_lo: bool = False
    open_hi: bool = False

    def __contains__(self, value: float) -> bool:
        above = value > self.lo if self.open_lo else value >= self.lo
        below = value < self.hi if self.open_hi else value <= self.hi
        return above and below

    def __str__(self) -> str:
        return f"{'(' if self.open_lo else '['}{self.lo:g}, {self.hi:g}{')' if self.open_hi else ']'}"

    def outside(self) -> float:
        """A value just outside the range (for tests that try one)."""
        return self.lo - 1 if self.lo > -INF else self.hi + 1


COUNT = Range(1)  # a positive count: steps, videos, items
WORKERS = Range(0, 256)  # processes (0: in the calling process)
POSITIVE = Range(0, open_lo=True)  # a learning rate, a scale
WEIGHT = Range(0)  # a loss weight: 0 turns the term off
PROBABILITY = Range(0, 1, open_hi=True)  # dropout


def check_ranges(obj: object, prefix: str, ranges: Mapping[str, Range]) -> None:
    """Each field of ``obj`` named in ``ranges`` (None allowed where the field is optional; every value of a
    tuple or mapping) lies in its range; else a ValueError naming ``prefix.field``, the value, the range."""
    for name, rng in ranges.items():
        value = getattr(obj, name)
        if value is None:
            continue
        values = (
            value.values() if isinstance(value, Mapping) else value if isinstance(value, tuple) else [value]
        )
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"{prefix}.{name} must be a number in {rng} (got {value!r})")
            if v not in rng:
                raise ValueError(f"{prefix}.{name} = {value!r} is out of range: it must be in {rng}")
