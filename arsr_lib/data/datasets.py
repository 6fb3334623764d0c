"""Dataset split loaders: UCF101 (``ucfTrainTestlist``), HMDB51 (``testTrainMulti_7030_splits``)
and a plain folder of class folders for users' own videos.

Every entry is a path relative to the dataset root, checked so that it cannot escape the
root (absolute paths and ``..`` are refused). Lists can be filtered to the videos present;
``strict=True`` raises and lists what is missing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from arsr_lib.core.atomic import MARKER, file_digest
from arsr_lib.core.errors import DatasetError
from arsr_lib.data.video import read_video

VIDEO_EXTENSIONS = (".avi", ".mp4", ".mkv", ".mov", ".webm", ".mpg", ".mpeg", ".m4v")
_GROUP_RE = re.compile(r"_g(\d+)_c(\d+)\.[^.]+$")


def generation_tag(root: str | os.PathLike | None) -> str | None:
    """Identifies a generated dataset's content: the digest of its completion marker (SynthActions writes
    one holding its config), so that what was derived from an older generation under the same file names
    is redone. Real datasets carry no marker and do not change: None."""

    marker = Path(root) / MARKER if root else None
    return "gen-" + file_digest(marker) if marker and marker.is_file() else None


@dataclass(frozen=True)
class VideoItem:
    """One video of a split: ``rel_path`` is relative to the dataset root (POSIX separators)."""

    rel_path: str
    label: int  # 0-based class index
    class_name: str
    group: int | None = None  # UCF101 gXX (actor/background group); None elsewhere
    clip: int | None = None  # UCF101 cYY

    @property
    def stem(self) -> str:
        return PurePosixPath(self.rel_path).stem


@dataclass
class SplitDataset:
    """Classes and the train/test/unused lists of one split of one dataset, and its validation list (groups
    disjoint from train and test: where choices are made; the test list is read only to report)."""

    name: str
    split: int | None
    classes: list[str]
    train: list[VideoItem] = field(default_factory=list)
    test: list[VideoItem] = field(default_factory=list)
    unused: list[VideoItem] = field(default_factory=list)
    root: Path | None = None
    max_frames: int | None = None  # frames read of each video (None: all); see read()
    missing: int = 0  # listed videos that filter_present found missing under root
    val: list[VideoItem] = field(default_factory=list)

    def all_items(self) -> list[VideoItem]:
        return self.train + self.val + self.test + self.unused

    def counts(self) -> dict:
        return {
            "classes": len(self.classes),
            "train": len(self.train),
            "val": len(self.val),
            "test": len(self.test),
            "unused": len(self.unused),
            "distinct": len({i.rel_path for i in self.all_items()}),
        }

    def path(self, item: VideoItem) -> Path:
        if self.root is None:
            raise DatasetError(f"dataset {self.name}: no root folder given, cannot locate {item.rel_path}")
        return safe_join(self.root, item.rel_path)

    def read(self, item: VideoItem, max_frames: int | None = None, min_frames: int = 1):
        """The decoded frames of ``item``: at most ``max_frames`` and the dataset's own cap."""
        caps = [m for m in (self.max_frames, max_frames) if m is not None]
        return read_video(self.path(item), max_frames=min(caps) if caps else None, min_frames=min_frames)

    def hold_out_groups(self, n: int) -> "SplitDataset":
        """Move the training videos of the last ``n`` training groups (gXX) to the validation list: a
        validation split for datasets that ship none (UCF101's groups share actors and backgrounds, so
        validation must be group-disjoint, as the test split is)."""
        if n <= 0:
            return self
        groups = sorted({i.group for i in self.train if i.group is not None})
        if len(groups) <= n:
            raise DatasetError(
                f"dataset {self.name} split {self.split}: data.val_groups={n} but the training list has "
                f"{len(groups)} group(s) with a gXX name"
            )
        held = set(groups[-n:])
        return replace(
            self,
            train=[i for i in self.train if i.group not in held],
            val=self.val + [i for i in self.train if i.group in held],
        )

    def validation(self) -> "SplitDataset":
        """The same dataset with the validation list in the place of the test list, for evaluating on it
        (the harness reads ``test``); an error when there is no validation list."""
        if not self.val:
            raise DatasetError(
                f"dataset {self.name} split {self.split}: no validation list (SynthActions: val_groups; "
                f"real data: data.val_groups)"
            )
        return replace(self, test=list(self.val))

    def test_subset(self, n: int | None) -> "SplitDataset":
        """The same split with ``n`` test videos spread evenly over the list (all classes kept); None:
        unchanged."""
        if not n or n >= len(self.test):
            return self
        idx = [round(i * (len(self.test) - 1) / (n - 1)) for i in range(n)] if n > 1 else [0]
        return replace(self, test=[self.test[i] for i in sorted(set(idx))])

    def locate(self, item: VideoItem) -> VideoItem | None:
        """The item as present on disk: the listed file, or a re-encoded copy with the same
        stem and another video extension (e.g. ``.mp4``); None when absent."""
        path = self.path(item)
        if path.is_file():
            return item
        for ext in VIDEO_EXTENSIONS:
            alt = path.with_suffix(ext)
            if alt.is_file():
                return replace(item, rel_path=str(PurePosixPath(item.rel_path).with_suffix(ext)))
        return None

    def filter_present(self, strict: bool = False) -> "SplitDataset":
        """Keep only entries whose file exists under ``root``; ``strict`` raises listing the missing."""
        if self.root is None:
            raise DatasetError(f"dataset {self.name}: filter_present needs a root folder")
        missing: list[str] = []

        def keep(items: list[VideoItem]) -> list[VideoItem]:
            out = []
            for it in items:
                found = self.locate(it)
                if found is None:
                    missing.append(it.rel_path)
                else:
                    out.append(found)
            return out

        new = replace(
            self, train=keep(self.train), val=keep(self.val), test=keep(self.test), unused=keep(self.unused)
        )
        new = replace(new, missing=len(missing))
        if strict and missing:
            shown = "\n  ".join(missing[:20])
            more = f"\n  ... and {len(missing) - 20} more" if len(missing) > 20 else ""
            raise DatasetError(
                f"dataset {self.name} split {self.split}: {len(missing)} listed video(s) missing "
                f"under {self.root}:\n  {shown}{more}"
            )
        return new


def safe_join(root: str | os.PathLike, rel: str) -> Path:
    """``root / rel`` for a split entry, refusing entries that would escape ``root``."""
    if not rel or rel.strip() != rel:
        raise DatasetError(f"invalid dataset entry {rel!r}")
    if "\\" in rel or rel.startswith("/") or re.match(r"^[A-Za-z]:", rel) or os.path.isabs(rel):
        raise DatasetError(
            f"dataset entry {rel!r} is an absolute path; entries must be relative to the dataset root"
        )
    parts = PurePosixPath(rel).parts
    if any(p in ("..", ".") for p in parts):
        raise DatasetError(f"dataset entry {rel!r} contains '..' or '.'; it would escape the dataset root")
    root = Path(root)
    path = root.joinpath(*parts)
    # symlinks inside the root may point anywhere the user chose; only the text is policed here
    return path


def _read_lines(path: Path) -> list[tuple[int, str]]:
    if not path.is_file():
        raise DatasetError(f"split file not found: {path}")
    with open(path, "r", encoding="utf-8", newline=None) as fh:  # universal newlines: CRLF -> LF
        return [(i + 1, ln.strip()) for i, ln in enumerate(fh) if ln.strip()]


def _parse_group(rel: str) -> tuple[int | None, int | None]:
    m = _GROUP_RE.search(rel)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


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
    g, c = _parse_group(rel)
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
                g, c = _parse_group(v.name)
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
