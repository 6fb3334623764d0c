"""Bounded caches: an in-memory LRU with a byte budget, and an on-disk array cache written atomically.

Memory stays bounded whatever the number of videos: :class:`ByteLRU` evicts the least recently used arrays
once their bytes exceed the budget (one process each; DataLoader workers hold one each). :class:`DiskArrays`
keeps arrays that are expensive to compute (HR optical flow of training pairs) as ``.npy`` files under a
key folder, each moved into place only when complete, so a killed run never leaves a half-written entry.
"""

from __future__ import annotations

import collections
import os
from pathlib import Path
from typing import Callable, Hashable

import numpy as np
from numpy.typing import DTypeLike

from arsr_lib.core.atomic import atomic_path


class _Slabs:
    """Fixed-size slots for small arrays, carved out of large blocks (one set per shape and dtype).

    Why: many small long-lived arrays (decoded 96x96 frames, a few tens of kB each), each a ``malloc`` of its
    own, end up scattered among the freed temporaries of the work around them, and pin the heap's pages:
    resident memory grew to several times the bytes cached (``reports/benchmarks/cache_rss.md``). Kept in a
    few large blocks instead, they occupy only those blocks. A block whose slots are all free is released.
    """

    BLOCK_BYTES = 64 << 20  # above glibc's largest dynamic mmap threshold (32 MiB): blocks are mmapped

    def __init__(self) -> None:
        self._blocks: dict[tuple, dict[int, np.ndarray]] = {}  # (shape, dtype) -> block id -> block
        self._free: dict[tuple, list[tuple[int, int]]] = {}  # (shape, dtype) -> free (block, row)
        self._used: dict[tuple[tuple, int], int] = {}  # ((shape, dtype), block) -> rows in use
        self._next_id = 0

    def store(self, value: np.ndarray, max_rows: int) -> tuple[np.ndarray, tuple]:
        """Copy ``value`` into a free slot (a new block holds at most ``max_rows``); returns (the slot's
        array, the slot's handle)."""
        kind = (value.shape, value.dtype.str)
        free = self._free.setdefault(kind, [])
        if not free:
            rows = max(1, min(max_rows, self.BLOCK_BYTES // max(1, value.nbytes)))
            block_id, self._next_id = self._next_id, self._next_id + 1
            self._blocks.setdefault(kind, {})[block_id] = np.empty((rows, *value.shape), value.dtype)
            self._used[(kind, block_id)] = 0
            free.extend((block_id, r) for r in range(rows - 1, -1, -1))
        block_id, row = free.pop()
        slot = self._blocks[kind][block_id][row]
        slot[...] = value
        self._used[(kind, block_id)] += 1
        return slot, (kind, block_id, row)

    def release(self, handle: tuple) -> None:
        kind, block_id, row = handle
        self._used[(kind, block_id)] -= 1
        if self._used[(kind, block_id)] == 0:  # the whole block is free: give it back
            del self._used[(kind, block_id)], self._blocks[kind][block_id]
            self._free[kind] = [(b, r) for b, r in self._free[kind] if b != block_id]
        else:
            self._free[kind].append((block_id, row))

    @property
    def block_bytes(self) -> int:
        return sum(b.nbytes for blocks in self._blocks.values() for b in blocks.values())


class ByteLRU:
    """``get(key, make)``: the cached array of ``key``, or ``make()`` stored under it; evicts least recently
    used entries beyond ``max_bytes`` (an entry larger than the budget is returned but not kept).

    Arrays of under ``SMALL_BYTES`` are copied into slots of large blocks (:class:`_Slabs`), so that memory
    stays near the budget without any allocator setting; ``get`` and ``peek`` return a read-only copy of an
    entry (a slot is reused once its entry is evicted, so the cache never lends out its own memory; copying a
    small image costs microseconds)."""

    SMALL_BYTES = 1 << 20

    def __init__(self, max_bytes: int):
        if max_bytes < 1:
            raise ValueError(f"ByteLRU: max_bytes must be >= 1 (got {max_bytes})")
        self.max_bytes = int(max_bytes)
        self._items: collections.OrderedDict = collections.OrderedDict()  # key -> (array, slot handle)
        self._slabs = _Slabs()
        self.bytes = 0
        self.hits = self.misses = 0

    def __len__(self):
        return len(self._items)

    def get(self, key: Hashable, make: Callable[[], np.ndarray]) -> np.ndarray:
        value = self.peek(key)
        if value is None:
            value = make()
            self.put(key, value)
            value = self.peek(key, count=False) if key in self._items else value
        assert value is not None
        return value

    def peek(self, key: Hashable, count: bool = True) -> np.ndarray | None:
        """A read-only copy of the cached array of ``key`` (now the most recently used), or None (counted as
        a miss)."""
        if key in self._items:
            self._items.move_to_end(key)
            self.hits += count
            value, handle = self._items[key]
            if handle is not None:
                value = value.copy()
                value.flags.writeable = False
            return value
        self.misses += count
        return None

    def put(self, key: Hashable, value: np.ndarray) -> None:
        """Keep ``value`` under ``key`` (a value larger than the budget is not kept)."""
        size = int(getattr(value, "nbytes", 0))
        if key in self._items:
            self._drop(key)
        if size > self.max_bytes:
            return
        while self._items and self.bytes + size > self.max_bytes:
            self._drop(next(iter(self._items)))
        handle = None
        if isinstance(value, np.ndarray) and 0 < size < self.SMALL_BYTES:
            value, handle = self._slabs.store(value, max_rows=self.max_bytes // size)
        self._items[key] = (value, handle)
        self.bytes += size

    def _drop(self, key: Hashable) -> None:
        value, handle = self._items.pop(key)
        self.bytes -= int(getattr(value, "nbytes", 0))
        if handle is not None:
            self._slabs.release(handle)

    def clear(self) -> None:
        for key in list(self._items):
            self._drop(key)


class DiskArrays:
    """Arrays under ``root/<folder>/<name>.npy``; ``get(folder, name, make)`` computes and stores a missing
    one atomically. ``dtype`` (e.g. float16) is applied before storing, and to what is returned either way, so
    a value is the same whether it was computed now or read back."""

    def __init__(self, root: str | os.PathLike, dtype: DTypeLike | None = None):
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
