"""Bounded caches: an in-memory LRU with a byte budget, and an on-disk array cache written atomically.

Memory stays bounded whatever the number of videos: :class:`ByteLRU` evicts the least recently used arrays
once their bytes exceed the budget (one process each; DataLoader workers hold one each). :class:`DiskArrays`
keeps arrays that are expensive to compute (HR optical flow of training pairs) as ``.npy`` files under a
key folder, each moved into place only when complete, so a killed run never leaves a half-written entry.
"""

from __future__ import annotations

import collections
import ctypes
import os
from pathlib import Path
from typing import Callable, Hashable

import numpy as np

from arsr_lib.atomic import atomic_path


class ByteLRU:
    """``get(key, make)``: the cached array of ``key``, or ``make()`` stored under it; evicts least recently
    used entries beyond ``max_bytes`` (an entry larger than the budget is returned but not kept)."""

    def __init__(self, max_bytes: int):
        if max_bytes < 1:
            raise ValueError(f"ByteLRU: max_bytes must be >= 1 (got {max_bytes})")
        self.max_bytes = int(max_bytes)
        self._items: collections.OrderedDict = collections.OrderedDict()
        self.bytes = 0
        self.hits = self.misses = 0

    def __len__(self):
        return len(self._items)

    def get(self, key: Hashable, make: Callable[[], np.ndarray]) -> np.ndarray:
        value = self.peek(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def peek(self, key: Hashable) -> np.ndarray | None:
        """The cached array of ``key`` (now the most recently used), or None (counted as a miss)."""
        if key in self._items:
            self._items.move_to_end(key)
            self.hits += 1
            return self._items[key]
        self.misses += 1
        return None

    def put(self, key: Hashable, value: np.ndarray) -> None:
        """Keep ``value`` under ``key`` (a value larger than the budget is not kept)."""
        size = int(getattr(value, "nbytes", 0))
        if key in self._items:
            self.bytes -= int(getattr(self._items.pop(key), "nbytes", 0))
        if size <= self.max_bytes:
            self._items[key] = value
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self.bytes -= int(getattr(old, "nbytes", 0))

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0


class DiskArrays:
    """Arrays under ``root/<folder>/<name>.npy``; ``get(folder, name, make)`` computes and stores a missing
    one atomically. ``dtype`` (e.g. float16) is applied before storing, and to what is returned either way, so
    a value is the same whether it was computed now or read back."""

    def __init__(self, root: str | os.PathLike, dtype=None):
        self.root, self.dtype = Path(root), dtype

    def path(self, folder: str, name: str) -> Path:
        return self.root / folder / f"{name}.npy"

    def get(self, folder: str, name: str, make: Callable[[], np.ndarray]) -> np.ndarray:
        path = self.path(folder, name)
        if path.is_file():
            try:
                return np.load(path, allow_pickle=False)
            except (ValueError, OSError) as exc:
                raise OSError(f"{path}: unreadable cache entry ({exc}); delete it to recompute") from exc
        value = np.asarray(make())
        if self.dtype is not None:
            value = value.astype(self.dtype)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, value, allow_pickle=False)
        return value


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number


def pin_mmap_threshold(nbytes: int = 128 << 10) -> bool:
    """Keep glibc's mmap threshold at ``nbytes`` (its initial 128 kB). glibc raises the threshold each time
    a large mmapped block is freed; the float temporaries of a training sample then come from the heap, and
    the small long-lived images of a :class:`ByteLRU` pin its pages, so resident memory grows to a multiple
    of the cache's budget (``reports/benchmarks/cache_rss.md``). Returns False where the C library is not
    glibc (nothing is changed there). The allocator only: no result changes."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, int(nbytes)))
