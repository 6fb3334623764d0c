"""A training run's CSV log (``log.csv``): rows appended as training goes, trimmed after a resume."""

from __future__ import annotations

import csv
import os
from pathlib import Path


def _rewrite(path: Path, fields: list[str], rows: list[dict]) -> None:
    tmp = path.with_name(f".{path.name}.partial")
    with open(tmp, "w", newline="") as fh:
        if fields:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
    os.replace(tmp, path)


def append_row(path: Path, row: dict) -> None:
    """Append ``row``; a new column (e.g. the first validation) rewrites the file with the wider header."""
    if not path.exists():
        _rewrite(path, list(row), [row])
        return
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        new = [k for k in row if k not in fields]
        rows = list(reader) if new else []
    if new:
        _rewrite(path, fields + new, rows + [row])
        return
    with open(path, "a", newline="") as fh:
        csv.DictWriter(fh, fieldnames=fields).writerow(row)


def trim_rows(path: Path, last_step: int) -> None:
    """Drop the rows written after step ``last_step`` (a resumed run redoes them)."""
    if not path.exists():
        return
    with open(path, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if int(r["step"]) <= last_step]
    _rewrite(path, list(rows[0]) if rows else [], rows)
