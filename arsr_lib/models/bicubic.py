"""MATLAB-bicubic upsampling as a torch module: the paper's "Bicubic" baseline with the SR interface."""

from __future__ import annotations

import functools

import torch
from torch import nn

from arsr_lib.degrade import resize_matrix


@functools.lru_cache(maxsize=64)
def _matrix(n_in: int, scale: int) -> torch.Tensor:
    return torch.from_numpy(resize_matrix(n_in, n_in * scale, float(scale))).float()


def matlab_upsample(x: torch.Tensor, scale: int) -> torch.Tensor:
    """MATLAB ``imresize(x, scale, 'bicubic')`` on ``(..., h, w)`` tensors (no rounding)."""
    mh = _matrix(x.shape[-2], scale).to(x.device, x.dtype)
    mw = _matrix(x.shape[-1], scale).to(x.device, x.dtype)
    return torch.einsum("oh,...hw,pw->...op", mh, x, mw)


class BicubicSR(nn.Module):
    """No parameters; ``forward(lr) = imresize(lr, scale)``."""

    n_frames = 1

    def __init__(self, scale: int = 4):
        super().__init__()
        self.scale = scale

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        return matlab_upsample(lr, self.scale)
