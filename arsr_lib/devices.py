"""The one device switch: ``auto`` picks CUDA when present; an explicit ``cuda`` without a GPU is an error."""

from __future__ import annotations

import os

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


def autocast(device: torch.device, bf16: bool):
    """bf16 autocast on ``device`` when ``bf16``, else a disabled autocast (fp32)."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bool(bf16))


def gpu_bf16(device: torch.device, wanted: bool) -> bool:
    """Whether a configured bf16 (``compute.bf16_inference``) applies: on CUDA only; the CPU runs fp32 (its
    bf16 kernels without hardware support are many times slower)."""
    return bool(wanted) and torch.device(device).type == "cuda"


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
