"""VGG-style discriminators (ESRGAN's ``discriminator_vgg_128`` design) for relativistic GAN training.

``VGGDiscriminator``: 128x128 input, five stride-2 stages to 4x4x(8 nf), then 100 -> 1 linear head.
``VGGDiscriminatorAnySize``: the same convolutions with global average pooling before the head,
for the small patches of CPU profiles.
"""

from __future__ import annotations

import torch
from torch import nn


def _stage(cin, cout, bn_first=True):
    layers = [nn.Conv2d(cin, cout, 3, 1, 1, bias=not bn_first)]
    if bn_first:
        layers.append(nn.BatchNorm2d(cout))
    layers += [
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(cout, cout, 4, 2, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.LeakyReLU(0.2, inplace=True),
    ]
    return layers


class _VGGFeatures(nn.Module):
    def __init__(self, in_ch: int, nf: int, stages: int):
        super().__init__()
        chans = [nf * min(2**i, 8) for i in range(stages)]
        layers = _stage(in_ch, chans[0], bn_first=False)
        for i in range(1, stages):
            layers += _stage(chans[i - 1], chans[i])
        self.features = nn.Sequential(*layers)
        self.out_ch = chans[-1]

    def forward(self, x):
        return self.features(x)


class VGGDiscriminator(nn.Module):
    def __init__(self, in_ch: int = 3, nf: int = 64, size: int = 128):
        super().__init__()
        if size % 32:
            raise ValueError(f"VGGDiscriminator needs a patch size divisible by 32 (got {size})")
        self.size = size
        self.body = _VGGFeatures(in_ch, nf, 5)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(self.body.out_ch * (size // 32) ** 2, 100),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(100, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != self.size or x.shape[-2] != self.size:
            raise ValueError(
                f"VGGDiscriminator expects {self.size}x{self.size} patches, got {tuple(x.shape[-2:])}"
            )
        return self.head(self.body(x))


class VGGDiscriminatorAnySize(nn.Module):
    def __init__(self, in_ch: int = 3, nf: int = 64, stages: int = 3):
        super().__init__()
        self.body = _VGGFeatures(in_ch, nf, stages)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(self.body.out_ch, 100),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(100, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))
