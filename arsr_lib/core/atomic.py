"""Atomic file and folder writes, so a killed process never leaves output that looks complete.

A file is written to a hidden temporary sibling and moved into place with ``os.replace``;
a folder is filled under a temporary name, a marker file is written last, then the folder
is renamed into place. Readers treat a folder as complete only when its marker is present
and describes the same configuration.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Iterator

from arsr_lib.core.errors import ArsrError

MARKER = ".done.json"


def file_digest(path: str | os.PathLike, length: int = 16) -> str:
    """Short SHA-256 of a file's bytes (cache keys: checkpoints, inputs)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:length]


def files_tag(paths: Iterable[str | os.PathLike], length: int = 16) -> str:
    """Short SHA-256 over each file's path, size and modification time: a cheap cache key for a set of
    inputs (a regenerated or replaced file changes it; reading every byte of a dataset would not be cheap)."""
    import hashlib

    h = hashlib.sha256()
    for p in paths:
        st = os.stat(p)
        h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:length]


def check_writable(folder: str | os.PathLike) -> Path:
    """Create ``folder`` if needed and make sure we can write into it (clear error otherwise)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".writetest-"):
            pass
    except OSError as exc:
        raise PermissionError(f"output folder {folder} is not writable: {exc.strerror or exc}") from exc
    return folder


class OutputError(ArsrError):
    """An output path that cannot be written (a file on the way, the wrong kind, a read-only folder)."""


def check_output(path: str | os.PathLike, folder: bool) -> Path:
    """An output path a command can write, checked before any work: nothing but folders above it, not an
    existing output of the other kind (``folder``: the output is a folder of frames, else a file), its
    parent writable. The error names the path the user gave."""
    path = Path(path)
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"cannot write {path}: {parent} is a file, not a folder")
            break
    if folder and path.is_file():
        raise OutputError(f"cannot write frames to {path}: it is a file (frames go in a folder)")
    if not folder and path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder (give a file name)")
    try:
        check_writable(path.parent)
    except PermissionError as exc:
        raise OutputError(f"cannot write {path}: {exc}") from None
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path`` (same suffix); move it into place on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.partial-", suffix=path.suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the file the usual mode
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json_atomic(path: str | os.PathLike, obj: Any) -> None:
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=True, default=str))


def read_marker(folder: str | os.PathLike) -> dict | None:
    """The marker of a completed folder, or None when the folder is absent or incomplete."""
    marker = Path(folder) / MARKER
    try:
        return json.loads(marker.read_text())
    except (OSError, ValueError):
        return None


def is_complete(folder: str | os.PathLike, config: dict | None = None) -> bool:
    """True when ``folder`` carries a marker (and, if given, the marker's config equals ``config``)."""
    meta = read_marker(folder)
    if meta is None:
        return False
    return config is None or meta.get("config") == json.loads(json.dumps(config, sort_keys=True, default=str))


@contextlib.contextmanager
def atomic_folder(folder: str | os.PathLike, config: dict) -> Iterator[tuple[Path, dict]]:
    """Fill a temporary folder; on success write the marker last and rename it to ``folder``.

    Yields ``(tmp_folder, info)``: whatever the caller puts in ``info`` is stored in the
    marker beside ``config``. Anything already at ``folder`` (a result of another config,
    or a folder left half-written by a killed run) is replaced.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.partial-"))
    try:
        info: dict = {}
        yield tmp, info
        canon = json.loads(json.dumps(config, sort_keys=True, default=str))
        write_json_atomic(tmp / MARKER, {"config": canon, **info})
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def clean_partials(parent: str | os.PathLike, name: str = "*") -> int:
    """Remove temporary ``.<name>.partial*`` folders/files left by killed runs under ``parent``."""
    n = 0
    parent = Path(parent)
    if not parent.is_dir():
        return 0
    for p in parent.glob(f".{name}.partial*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        n += 1
    return n
