"""The stage records of a reproduction: what makes a stage complete, so that a rerun skips it.

After a notebook succeeds the runner writes ``reports/<profile>/.stages/<notebook>.json`` (atomically, last)
with the stage's key and the SHA-256 of every file the stage wrote. The key chains the notebook's source, its
parameters, the source of ``arsr_lib`` and the previous stage's key, so a change anywhere upstream re-runs
everything after it. A stage is skipped only when its key matches and every recorded output is still there
with the same digest; a killed or failed stage has no record and runs again (the long work inside it resumes
from its own caches). ``timings.md`` reports the seconds of each recorded stage.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path

from arsr_lib.core.atomic import write_json_atomic, write_text_atomic

STAGES = ".stages"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def code_digest() -> str:
    """SHA-256 over the package's Python sources (a code change re-runs every stage)."""
    pkg = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted(pkg.rglob("*.py")):
        h.update(str(f.relative_to(pkg)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def stage_key(nb: Path, parameters: dict, previous: str, code: str) -> str:
    h = hashlib.sha256()
    for part in (sha256_file(nb), json.dumps(parameters, sort_keys=True), previous, code):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def record_path(out_dir: Path, nb: Path) -> Path:
    return out_dir / STAGES / f"{nb.stem}.json"


def stage_is_complete(out_dir: Path, nb: Path, key: str) -> bool:
    try:
        rec = json.loads(record_path(out_dir, nb).read_text())
    except (OSError, ValueError):
        return False
    if rec.get("key") != key:
        return False
    for rel, digest in rec.get("outputs", {}).items():
        f = out_dir / rel
        if not f.is_file() or sha256_file(f) != digest:
            return False
    return True


def snapshot(out_dir: Path) -> dict[str, int]:
    return {
        str(p.relative_to(out_dir)): p.stat().st_mtime_ns
        for p in out_dir.rglob("*")
        if p.is_file() and STAGES not in p.relative_to(out_dir).parts and ".partial-" not in p.name
    }


def write_timings(out_dir: Path, sources: list[Path], started_empty: bool) -> Path | None:
    """``timings.md``: the seconds each stage took in the run that made its recorded outputs (a committed
    report of the reproduction's cost); written when every stage has a record."""
    records = []
    for nb in sources:
        try:
            records.append(json.loads(record_path(out_dir, nb).read_text()))
        except (OSError, ValueError):
            return None
    rows = [f"| {r['notebook']} | {r['seconds']:.1f} |" for r in records]
    total = sum(r["seconds"] for r in records)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = "\n".join(
        [
            f"Stage times of the run that made these reports ({machine}; the last run of each stage; "
            f"this run started {'from empty data/ and runs/' if started_empty else 'with caches present'}).",
            "",
            "| notebook | seconds |",
            "|---|---:|",
            *rows,
            f"| total | {total:.1f} |",
            "",
        ]
    )
    path = out_dir / "timings.md"
    write_text_atomic(path, text)
    return path


def write_record(out_dir: Path, nb: Path, key: str, seconds: float, written: list[str]) -> None:
    """The record of a finished stage: its key, its time and the digest of each file it wrote."""
    write_json_atomic(
        record_path(out_dir, nb),
        {
            "notebook": f"{nb.stem}.ipynb",
            "key": key,
            "seconds": round(seconds, 1),
            "outputs": {r: sha256_file(out_dir / r) for r in written},
        },
    )
