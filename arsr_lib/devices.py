"""The one device switch: ``auto`` picks CUDA when present; an explicit ``cuda`` without a GPU is an error."""

from __future__ import annotations

import torch


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
