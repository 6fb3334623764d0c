"""MATLAB-bicubic upsampling as a torch module: the paper's "Bicubic" baseline with the SR interface."""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn

from arsr_lib.data.degrade import imresize, resize_matrix


@functools.lru_cache(maxsize=64)
def _matrix(n_in: int, scale: int) -> torch.Tensor:
    return torch.from_numpy(resize_matrix(n_in, n_in * scale, float(scale)))


def matlab_upsample(x: torch.Tensor, scale: int) -> torch.Tensor:
    """MATLAB ``imresize(x, scale, 'bicubic')`` on ``(..., h, w)`` float tensors, one dimension at a time
    (height first), without rounding: differentiable, for networks (VDSR's input)."""
    mh = _matrix(x.shape[-2], scale).to(x.device, x.dtype)
    mw = _matrix(x.shape[-1], scale).to(x.device, x.dtype)
    along_h = torch.einsum("oh,...hw->...ow", mh, x)
    return torch.einsum("...ow,pw->...op", along_h, mw)


class BicubicSR(nn.Module):
    """No parameters; ``forward(lr) = imresize(lr, scale)`` of 8-bit frames in [0, 1] (MATLAB's uint8 rounding
    between the two passes)."""

    n_frames = 1

    def __init__(self, scale: int = 4):
        super().__init__()
        self.scale = scale

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        # the frames are 8-bit images in [0, 1]: resized exactly as the uint8 baseline (degrade.imresize, with
        # MATLAB's rounding after each pass), so "Bicubic" is one set of pixels wherever it is computed
        frames = torch.floor(lr.detach().double().clamp(0, 1) * 255 + 0.5).to(torch.uint8)
        images = frames.movedim(-3, -1).cpu().numpy()
        flat = images.reshape(-1, *images.shape[-3:])
        sr = np.stack([imresize(f, float(self.scale)) for f in flat])
        sr = sr.reshape(*images.shape[:-3], *sr.shape[1:])
        return torch.from_numpy(sr).to(lr.device).movedim(-1, -3).to(lr.dtype) / 255
