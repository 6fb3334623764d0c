"""Sharding, in one place for every job that splits the test videos among processes (the SR test frames, the
scores, rawframes extraction): which items shard ``(k, n)`` takes, the share of a torchrun rank, ``--shard
k/n`` on the command line, and putting the shards' rows back together."""

from __future__ import annotations

import os

import numpy as np

Shard = tuple[int, int]  # (k, n): the k-th of n shares, 1-based


def shard_of(n_items: int, shard: Shard) -> list[int]:
    """Indices of the items shard ``(k, n)`` (1-based k) takes: every n-th, starting at k - 1."""
    k, n = shard
    return [i for i in range(n_items) if i % n == k - 1]


def torchrun_shard() -> Shard | None:
    """``(rank + 1, world)`` under torchrun, else None."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return (int(os.environ.get("RANK", "0")) + 1, world) if world > 1 else None


def parse_shard(shard: str | None) -> Shard:
    """``"k/n"`` (1-based k) -> (k, n); None -> (1, 1)."""
    if shard is None:
        return 1, 1
    try:
        k, n = (int(x) for x in str(shard).split("/"))
    except ValueError:
        raise ValueError(f"--shard must look like k/n (e.g. 2/8), got {shard!r}") from None
    if not (n >= 1 and 1 <= k <= n):
        raise ValueError(f"--shard {shard!r}: need 1 <= k <= n")
    return k, n


def parse_shard_arg(shard: str | None) -> Shard:
    """``--shard k/n`` or, under torchrun, the rank's share."""
    return torchrun_shard() or parse_shard(shard)


def merge_rows(parts: dict[int, np.ndarray], n_items: int) -> np.ndarray:
    """The rows of all ``n_items`` from the shards ``k -> rows of shard (k, len(parts))``, in item order."""
    n = len(parts)
    if sorted(parts) != list(range(1, n + 1)):
        raise ValueError(f"merge_rows: shards {sorted(parts)} are not 1..{n}")
    first = parts[1]
    out = np.empty((n_items, *first.shape[1:]), first.dtype)
    for k, part in parts.items():
        rows = shard_of(n_items, (k, n))
        if len(part) != len(rows):
            raise ValueError(f"merge_rows: shard {k}/{n} has {len(part)} rows, expected {len(rows)}")
        out[rows] = part
    return out
