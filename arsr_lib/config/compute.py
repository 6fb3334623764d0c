"""Where an experiment's work runs and how: the device, caches, workers, threads and allocator settings of
:class:`ComputeConfig` (a speed setting where the docs say so; the numerics-changing ones are pinned)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from arsr_lib.config.ranges import COUNT, WORKERS, Range, check_ranges


@dataclass(frozen=True)
class ComputeConfig:
    """Where the work runs and how much memory its caches may hold."""

    device: str = "auto"  # "auto" (CUDA when present), "cpu", "cuda", "cuda:N": SR training, SR, scoring
    bf16_inference: bool = False  # bf16 autocast for SR inference and scoring on a GPU
    # decoded frames kept in memory by SR / recogniser training and the LR test frames (split among loaders)
    cache_mb: int = 1024
    workers: int | None = None  # DataLoader workers of training and scoring (None: data.workers)
    # DataLoader workers that read the test inputs while a recogniser scores (None: as ``workers``). Reading
    # is not computing: the scores are the same bits with any number (tests/test_harness_frames.py)
    score_workers: int | None = None
    # torch CPU threads (None: one per core). The thread count changes the bits of CPU results, so the CPU
    # profiles pin it to make their tables reproduce on other machines (docs/reproducibility.md)
    threads: int | None = None
    cpu_isa: str | None = None  # newest instruction set of oneDNN / MKL kernels, e.g. "AVX2" (None: any)
    # threads of numpy's BLAS (None: its default, one per core). Its products here are small (a frame's
    # resize matrices), and its idle threads spin beside torch's: 1 is faster, and the bits do not change
    # (reports/benchmarks/blas_threads.md)
    blas_threads: int | None = 1
    # make reproduce: train the recognisers in a second process beside the SR stages
    # (arsr_lib.run.reproduce); on a 2-core CPU with threads=1, two processes do more than one
    # (reports/benchmarks/channels_last.md)
    recogniser_lane: bool = False
    # glibc malloc, both or neither (None: glibc's dynamic thresholds): allocations of at least
    # ``malloc_mmap_mb`` MiB are mmapped, smaller ones come from the heap, and up to ``malloc_trim_mb`` MiB of
    # free heap top is kept instead of being returned to the system. With glibc's dynamic thresholds each
    # training step's temporaries are given back and faulted in anew (reports/benchmarks/malloc.md); a speed
    # setting, not a numerics one: the bits do not change (devices.pin_malloc)
    malloc_mmap_mb: int | None = None
    malloc_trim_mb: int | None = None
    # frame pairs per launch of the torch TV-L1 (flow method tvl1_torch): on a GPU, rawframes and the SR test
    # frames compute their flow in the process that holds the device, this many pairs at a time (an
    # out-of-memory names this setting); on the CPU each worker process batches a video's pairs by it
    flow_batch: int = 16

    RANGES: ClassVar[dict[str, Range]] = {
        "cache_mb": COUNT,
        "workers": WORKERS,
        "score_workers": WORKERS,
        "threads": Range(1, 1024),
        "blas_threads": Range(1, 1024),
        "malloc_mmap_mb": Range(1, 2047),  # mallopt takes a C int of bytes
        "malloc_trim_mb": Range(1, 2047),
        "flow_batch": Range(1, 4096),
    }

    def __post_init__(self):
        check_ranges(self, "compute", self.RANGES)
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise ValueError(f"compute.device must be auto, cpu, cuda or cuda:N (got {self.device!r})")
        if (self.malloc_mmap_mb is None) != (self.malloc_trim_mb is None):
            raise ValueError(
                "compute.malloc_mmap_mb and compute.malloc_trim_mb are set together (setting either turns "
                f"glibc's dynamic thresholds off; got {self.malloc_mmap_mb} and {self.malloc_trim_mb})"
            )
