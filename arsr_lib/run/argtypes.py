"""The command line's number types: an integer in a stated range, else an error naming the value and the range
(argparse prints it with the option's name and exits 2)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def int_in(lo: int, hi: float = math.inf) -> Callable[[str], int]:
    """An argparse type: an integer in ``[lo, hi]``, else an error naming the value and the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{value} is out of range: it must be in [{lo}, {hi:g}]")
        return value

    return parse


COUNT, WORKERS = int_in(1), int_in(0, 256)
