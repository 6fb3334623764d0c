"""Worker process pools. Workers that run torch compute (the torch TV-L1 on the CPU) are spawned, not
forked: a fork of a parent that has used torch's OpenMP threads can leave the child waiting forever on a
thread pool that did not survive the fork. Other pools (OpenCV, numpy) fork, which starts faster."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def process_pool(workers: int, torch_work: bool, **kwargs: Any) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, spawned when ``torch_work`` (the workers run torch ops), else forked
    (the platform default); ``kwargs`` go to :class:`ProcessPoolExecutor` (initializer, initargs)."""
    context = multiprocessing.get_context("spawn") if torch_work else None
    return ProcessPoolExecutor(workers, mp_context=context, **kwargs)
