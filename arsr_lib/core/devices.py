"""The one device switch: ``auto`` picks CUDA when present; an explicit ``cuda`` without a GPU is an error."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import warnings
from dataclasses import dataclass

import torch
from threadpoolctl import ThreadpoolController


def resolve_device(name: str | torch.device | None = "auto") -> torch.device:
    """``auto`` / None -> ``cuda`` when available, else ``cpu``; ``cpu``, ``cuda``, ``cuda:N`` as given."""
    if isinstance(name, torch.device):
        return name
    name = "auto" if name is None else str(name)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"device {name!r} requested (compute.device / --device) but CUDA is not available"
            )
        return torch.device(name)
    raise ValueError(f"device must be auto, cpu, cuda or cuda:N (got {name!r})")


def rank_device(device: torch.device) -> torch.device:
    """This rank's GPU under torchrun (``cuda:LOCAL_RANK``) for an unindexed CUDA device; else ``device``."""
    if device.type == "cuda" and device.index is None and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        return torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}")
    return device


def autocast(device: torch.device, bf16: bool) -> torch.autocast:
    """bf16 autocast on ``device`` when ``bf16``, else a disabled autocast (fp32)."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bool(bf16))


def gpu_bf16(device: torch.device, wanted: bool) -> bool:
    """Whether a configured bf16 (``compute.bf16_inference``) applies: on CUDA only; the CPU runs fp32 (its
    bf16 kernels without hardware support are many times slower)."""
    return bool(wanted) and torch.device(device).type == "cuda"


@dataclass(frozen=True)
class Runtime:
    """Where and how a job runs, resolved once from the experiment's compute settings and passed down: the
    device, whether bf16 autocast applies (CUDA only), and the worker processes it may use."""

    device: torch.device
    bf16: bool = False
    workers: int = 0

    @property
    def precision(self) -> str:
        return "bf16" if self.bf16 else "fp32"


def runtime(device: str | torch.device | None = "auto", bf16: bool = False, workers: int = 0) -> Runtime:
    """The :class:`Runtime` of a device name (``compute.device``), a wanted bf16 (``compute.bf16_inference``,
    applied on CUDA only) and a worker count."""
    resolved = resolve_device(device)
    return Runtime(resolved, gpu_bf16(resolved, bf16), int(workers))


def pin_cpu_numerics(threads: int | None, isa: str | None, blas_threads: int | None = None) -> None:
    """Fix what changes the bits of CPU results (``compute.threads``, ``compute.cpu_isa``), measured in
    ``reports/benchmarks/numerics_check.md``: the number of torch threads (a convolution's or a matrix
    product's sums are split over threads: 1 and 2 threads train to different weights) and the instruction
    set of oneDNN's and MKL's kernels (SSE4.1 and AVX2 kernels give different bits). ``isa`` ("AVX2") sets
    ``ONEDNN_MAX_CPU_ISA`` and ``MKL_CBWR``, which the libraries read at their first convolution / product,
    so call this before any (the notebooks' ``start`` and the command line do); a variable the user set is
    kept. None leaves either at the library's default (every core; the newest instruction set).
    ``blas_threads`` limits numpy's BLAS (``compute.blas_threads``): a speed setting, not a numerics one
    (``reports/benchmarks/blas_threads.md``: same bits, and what it saves)."""
    if threads is not None:
        if threads < 1:
            raise ValueError(f"compute.threads must be >= 1 or None (got {threads})")
        torch.set_num_threads(threads)
    if isa is not None:
        os.environ.setdefault("ONEDNN_MAX_CPU_ISA", isa)
        os.environ.setdefault("MKL_CBWR", isa)
    if blas_threads is not None:
        if blas_threads < 1:
            raise ValueError(f"compute.blas_threads must be >= 1 or None (got {blas_threads})")
        # numpy's own BLAS only: torch's kernels keep ``threads``
        ThreadpoolController().select(internal_api="openblas").limit(limits=blas_threads)


# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3


def pin_malloc(mmap_mb: int | None, trim_mb: int | None, libc: ctypes.CDLL | None = None) -> bool:
    """Set glibc malloc's mmap and trim thresholds (``compute.malloc_mmap_mb`` / ``malloc_trim_mb``) in this
    process and the processes it forks; True when set. glibc starts with an mmap threshold of 128 kB that it
    raises as large blocks are freed, and returns the heap's free top to the system once it exceeds twice
    that: a training step's temporaries are then given back at the end of each step and their pages faulted
    in again at the next (``reports/benchmarks/malloc.md``: the faults, and the step times with and without).
    Fixed thresholds keep them. Memory stays bounded: at most ``trim_mb`` of free heap is kept, and blocks of
    ``mmap_mb`` or more (the caches' 64 MiB slabs) are still mapped and unmapped on their own. An allocator
    setting changes no bits. Both None leaves glibc's dynamic thresholds; a C library without ``mallopt``
    (not glibc) is warned about and left alone."""
    if mmap_mb is None and trim_mb is None:
        return False
    if mmap_mb is None or trim_mb is None or mmap_mb < 1 or trim_mb < 1:
        raise ValueError(
            "compute.malloc_mmap_mb and compute.malloc_trim_mb: both >= 1 or both None "
            f"(got {mmap_mb}, {trim_mb})"
        )
    if libc is None:
        name = ctypes.util.find_library("c")
        libc = ctypes.CDLL(name) if name else None
    if libc is None or not hasattr(libc, "mallopt"):
        warnings.warn(
            "compute.malloc_mmap_mb / malloc_trim_mb are glibc settings and this C library has no mallopt: "
            "the allocator keeps its own thresholds",
            stacklevel=2,
        )
        return False
    for param, name, mb in (
        (M_MMAP_THRESHOLD, "malloc_mmap_mb", mmap_mb),
        (M_TRIM_THRESHOLD, "malloc_trim_mb", trim_mb),
    ):
        if libc.mallopt(param, ctypes.c_int(mb << 20)) != 1:
            raise ValueError(f"compute.{name} = {mb}: glibc's mallopt refused {mb << 20} bytes")
    return True
