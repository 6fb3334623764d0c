"""Reading a dataset's split files into a :class:`~arsr_lib.data.datasets.SplitDataset`: UCF101
(``ucfTrainTestlist``), HMDB51 (``testTrainMulti_7030_splits``) and a plain folder of class folders for users'
own videos. Every path is checked against the dataset root (:func:`~arsr_lib.data.datasets.safe_join`)."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from arsr_lib.core.errors import DatasetError
from arsr_lib.data.datasets import VIDEO_EXTENSIONS, SplitDataset, VideoItem, parse_group, safe_join


def _read_lines(path: Path) -> list[tuple[int, str]]:
    if not path.is_file():
        raise DatasetError(f"split file not found: {path}")
    with open(path, "r", encoding="utf-8", newline=None) as fh:  # universal newlines: CRLF -> LF
        return [(i + 1, ln.strip()) for i, ln in enumerate(fh) if ln.strip()]


# ---------------------------------------------------------------------------------------------
# UCF101
# ---------------------------------------------------------------------------------------------
def read_ucf_classind(split_dir: str | os.PathLike) -> list[str]:
    path = Path(split_dir) / "classInd.txt"
    classes: dict[int, str] = {}
    for lineno, ln in _read_lines(path):
        parts = ln.split()
        if len(parts) != 2 or not parts[0].isdigit():
            raise DatasetError(f"{path}:{lineno}: expected '<index> <ClassName>', got {ln!r}")
        idx = int(parts[0])
        if idx in classes:
            raise DatasetError(f"{path}:{lineno}: class index {idx} appears twice")
        classes[idx] = parts[1]
    if sorted(classes) != list(range(1, len(classes) + 1)):
        raise DatasetError(f"{path}: class indices must be 1..N without gaps")
    return [classes[i] for i in range(1, len(classes) + 1)]


def _ucf_item(path: Path, lineno: int, rel: str, cls_index: dict[str, int], label: int | None) -> VideoItem:
    safe_join("/", rel)  # raises for absolute or escaping entries
    parts = PurePosixPath(rel).parts
    if len(parts) != 2:
        raise DatasetError(f"{path}:{lineno}: expected '<Class>/<video>', got {rel!r}")
    cls = parts[0]
    if cls not in cls_index:
        raise DatasetError(f"{path}:{lineno}: unknown class {cls!r} (not in classInd.txt)")
    # UCF101 quirk: class HandstandPushups, files v_HandStandPushups_*; compare case-insensitively
    m = re.match(r"^v_([A-Za-z0-9]+)_g\d+_c\d+\.\w+$", parts[1])
    if m and m.group(1).lower() != cls.lower():
        raise DatasetError(f"{path}:{lineno}: file {parts[1]!r} does not belong to class folder {cls!r}")
    if label is not None and label != cls_index[cls] + 1:
        raise DatasetError(
            f"{path}:{lineno}: label {label} does not match class {cls!r} "
            f"(classInd index {cls_index[cls] + 1})"
        )
    g, c = parse_group(rel)
    return VideoItem(rel, cls_index[cls], cls, g, c)


def load_ucf101(
    split_dir: str | os.PathLike, split: int = 1, root: str | os.PathLike | None = None, name: str = "ucf101"
) -> SplitDataset:
    """UCF101 split ``split`` (1..3) from the official ``ucfTrainTestlist`` folder.

    Handles CRLF endings, 1-based labels (``VideoItem.label`` is 0-based) and the
    ``HandstandPushups`` / ``v_HandStandPushups_*`` naming quirk; records the group id gXX. A
    ``vallistNN.txt`` beside the lists (SynthActions writes one; same format as the train list) is the
    validation list.
    """
    split_dir = Path(split_dir)
    if split not in (1, 2, 3):
        raise DatasetError(f"UCF101 split must be 1, 2 or 3 (got {split})")
    classes = read_ucf_classind(split_dir)
    cls_index = {c: i for i, c in enumerate(classes)}
    train, test = [], []
    tr_path = split_dir / f"trainlist{split:02d}.txt"
    for lineno, ln in _read_lines(tr_path):
        parts = ln.split()
        if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
            raise DatasetError(f"{tr_path}:{lineno}: expected '<Class>/<video> <label>', got {ln!r}")
        train.append(_ucf_item(tr_path, lineno, parts[0], cls_index, int(parts[1])))
    te_path = split_dir / f"testlist{split:02d}.txt"
    for lineno, ln in _read_lines(te_path):
        parts = ln.split()
        if len(parts) not in (1, 2):
            raise DatasetError(f"{te_path}:{lineno}: expected '<Class>/<video>', got {ln!r}")
        test.append(
            _ucf_item(te_path, lineno, parts[0], cls_index, int(parts[1]) if len(parts) == 2 else None)
        )
    val = []
    va_path = split_dir / f"vallist{split:02d}.txt"
    if va_path.is_file():
        for lineno, ln in _read_lines(va_path):
            parts = ln.split()
            if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
                raise DatasetError(f"{va_path}:{lineno}: expected '<Class>/<video> <label>', got {ln!r}")
            val.append(_ucf_item(va_path, lineno, parts[0], cls_index, int(parts[1])))
    lists = {"train": train, "test": test, "val": val}
    for a, b in (("train", "test"), ("train", "val"), ("val", "test")):
        dup = {i.rel_path for i in lists[a]} & {i.rel_path for i in lists[b]}
        if dup:
            raise DatasetError(
                f"{split_dir}: split {split} lists {len(dup)} video(s) in both {a} and {b}, "
                f"e.g. {sorted(dup)[0]}"
            )
    return SplitDataset(name, split, classes, train, test, [], Path(root) if root else None, val=val)


# ---------------------------------------------------------------------------------------------
# HMDB51
# ---------------------------------------------------------------------------------------------
_HMDB_RE = re.compile(r"^(.+)_test_split([123])\.txt$")


def load_hmdb51(
    split_dir: str | os.PathLike, split: int = 1, root: str | os.PathLike | None = None, name: str = "hmdb51"
) -> SplitDataset:
    """HMDB51 split ``split`` from ``testTrainMulti_7030_splits``.

    One file per class, ``<class>_test_split<k>.txt``, lines ``<video>.avi <id>`` with id
    1 = train, 2 = test, 0 = unused. Classes are sorted alphabetically (label = index).
    Videos live at ``<root>/<class>/<video>.avi``.
    """
    split_dir = Path(split_dir)
    if split not in (1, 2, 3):
        raise DatasetError(f"HMDB51 split must be 1, 2 or 3 (got {split})")
    if not split_dir.is_dir():
        raise DatasetError(f"HMDB51 split folder not found: {split_dir}")
    files = {}
    for p in split_dir.iterdir():
        m = _HMDB_RE.match(p.name)
        if m and int(m.group(2)) == split:
            files[m.group(1)] = p
    if not files:
        raise DatasetError(f"{split_dir}: no '<class>_test_split{split}.txt' files found")
    classes = sorted(files)
    lists: dict[int, list[VideoItem]] = {0: [], 1: [], 2: []}
    for label, cls in enumerate(classes):
        path = files[cls]
        for lineno, ln in _read_lines(path):
            parts = ln.split()
            if len(parts) != 2 or parts[1] not in ("0", "1", "2"):
                raise DatasetError(f"{path}:{lineno}: expected '<video>.avi <0|1|2>', got {ln!r}")
            rel = f"{cls}/{parts[0]}"
            safe_join("/", rel)
            if len(PurePosixPath(rel).parts) != 2:
                raise DatasetError(f"{path}:{lineno}: video name {parts[0]!r} must be a bare file name")
            lists[int(parts[1])].append(VideoItem(rel, label, cls))
    return SplitDataset(name, split, classes, lists[1], lists[2], lists[0], Path(root) if root else None)


# ---------------------------------------------------------------------------------------------
# plain folder of class folders
# ---------------------------------------------------------------------------------------------
def load_folder(
    root: str | os.PathLike, extensions: tuple[str, ...] = VIDEO_EXTENSIONS, name: str = "folder"
) -> SplitDataset:
    """Users' own videos: ``<root>/<class>/<video>``; classes sorted by name, every video in ``test``."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"dataset folder not found: {root}")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DatasetError(f"{root}: no class folders (expected <root>/<class>/<video>)")
    items = []
    for label, cls in enumerate(classes):
        for v in sorted((root / cls).iterdir()):
            if v.is_file() and v.suffix.lower() in extensions:
                g, c = parse_group(v.name)
                items.append(VideoItem(f"{cls}/{v.name}", label, cls, g, c))
    if not items:
        raise DatasetError(f"{root}: no video files with extensions {extensions}")
    return SplitDataset(name, None, classes, [], items, [], root)


def load_dataset(
    kind: str,
    split_dir: str | os.PathLike | None = None,
    split: int = 1,
    root: str | os.PathLike | None = None,
) -> SplitDataset:
    """Dispatch on ``kind``: ``ucf101`` (also SynthActions, same layout), ``hmdb51`` or ``folder``."""
    kind = kind.lower()
    if kind in ("ucf101", "synth", "synthactions"):
        if split_dir is None:
            if root is None:
                raise DatasetError(f"{kind}: give split_dir or root")
            split_dir = Path(root) / "ucfTrainTestlist"
        return load_ucf101(split_dir, split, root, name=kind)
    if kind == "hmdb51":
        if split_dir is None:
            raise DatasetError("hmdb51: split_dir (testTrainMulti_7030_splits) is required")
        return load_hmdb51(split_dir, split, root)
    if kind == "folder":
        if root is None:
            raise DatasetError("folder: root is required")
        return load_folder(root)
    raise DatasetError(f"unknown dataset kind {kind!r} (ucf101, hmdb51, synth or folder)")
