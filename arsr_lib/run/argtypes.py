"""What the subcommands share on the command line: number types (an integer in a stated range, else an error
naming the value and the range, which argparse prints with the option's name, exiting 2), the ``--strict``
flag for short videos, and the one line an error is said in."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from arsr_lib.core.errors import ArsrError


def int_in(lo: int, hi: float = math.inf) -> Callable[[str], int]:
    """An argparse type: an integer in ``[lo, hi]``, else an error naming the value and the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not lo <= value <= hi:
            top = "inf" if math.isinf(hi) else str(int(hi))
            raise argparse.ArgumentTypeError(f"{value} is out of range: it must be in [{lo}, {top}]")
        return value

    return parse


COUNT, WORKERS = int_in(1), int_in(0, 256)


def add_strict(p: argparse.ArgumentParser, subject: str) -> None:
    """``--strict``: stop when ``subject`` decodes fewer frames than its container declares."""
    p.add_argument(
        "--strict",
        action="store_true",
        help=f"stop when {subject} decodes fewer frames than its container declares (beyond HMDB51's one)",
    )


def error_line(exc: BaseException) -> str:
    """One line naming the culprit; an OS error without a message of ours is given its file name."""
    if isinstance(exc, OSError) and not isinstance(exc, ArsrError) and exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc).strip() or type(exc).__name__
