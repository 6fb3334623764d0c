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

import numpy as np

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

    def read(self, item: VideoItem, max_frames: int | None = None, min_frames: int = 1) -> np.ndarray:
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


def parse_group(rel: str) -> tuple[int | None, int | None]:
    m = _GROUP_RE.search(rel)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)
