"""Worker process pools, forked or spawned by one rule. A pool is spawned when its parent holds torch state
that must not be forked into the workers: torch's OpenMP threads, which a forked child can wait on forever
(the torch TV-L1 on the CPU run in workers), or CUDA state (the rawframes device pipeline). Other pools
(OpenCV, numpy) fork, which starts faster."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def process_pool(workers: int, spawn: bool, **kwargs: Any) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes, spawned when ``spawn``, else forked (the platform default);
    ``kwargs`` go to :class:`ProcessPoolExecutor` (initializer, initargs)."""
    context = multiprocessing.get_context("spawn") if spawn else None
    return ProcessPoolExecutor(workers, mp_context=context, **kwargs)
