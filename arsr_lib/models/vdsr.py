"""VDSR (Kim et al., CVPR 2016): ``depth`` 3x3 convs of ``nf`` channels with ReLU between them,
predicting the residual over the MATLAB-bicubic upsampled input."""

from __future__ import annotations

import torch
from torch import nn

from arsr_lib.models.bicubic import matlab_upsample


class VDSR(nn.Module):
    n_frames = 1

    def __init__(self, scale: int = 4, depth: int = 20, nf: int = 64, in_ch: int = 3):
        super().__init__()
        if depth < 2:
            raise ValueError(f"VDSR depth must be >= 2 (got {depth})")
        self.scale = scale
        layers = [nn.Conv2d(in_ch, nf, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(nf, nf, 3, padding=1), nn.ReLU(inplace=True)]
        layers.append(nn.Conv2d(nf, in_ch, 3, padding=1))
        self.body = nn.Sequential(*layers)
        for m in self.body:
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                nn.init.zeros_(m.bias)  # type: ignore[arg-type]
        nn.init.zeros_(self.body[-1].weight)  # type: ignore[arg-type]  # start as bicubic

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        up = matlab_upsample(lr, self.scale)
        return up + self.body(up)
