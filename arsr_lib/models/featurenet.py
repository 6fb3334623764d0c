"""A VGG-style feature network for ESRGAN's perceptual loss, trained here.

ESRGAN's feature loss compares VGG19 conv5_4 activations (before their ReLU) of the SR and HR images; the
ImageNet weights are not available offline, so the project trains its own VGG-style network on the
experiment's HR training frames, for a task other than the action classes (the SR losses must not learn the
labels): predicting by how many quarter turns an HR patch was rotated (RotNet's pretext task), which needs
the edges, textures and shapes of the frames. Blocks of 3x3 convolutions, each with batch normalisation and
ReLU (VGG19-BN's layout), max-pooling between blocks; the features are the last convolution's normalised
output before its ReLU, as ESRGAN takes VGG19's. Without batch normalisation this network stayed at chance
on the pretext task in a first synth run (that log was not kept); with it, it learns the task
(``reports/calibration/featurenet_synth_log.csv``; docs/deviations.md).
"""

from __future__ import annotations

import torch
from torch import nn


class FeatureNet(nn.Module):
    def __init__(self, channels: tuple[int, ...] = (32, 64, 128, 128), convs: int = 2, n_out: int = 4):
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for b, cout in enumerate(channels):
            if b:
                layers.append(nn.MaxPool2d(2))
            for _ in range(convs):
                layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=False)]
                cin = cout
        self.body = nn.Sequential(*layers[:-1])  # the last ReLU is the head's: features are taken before it
        self.head = nn.Sequential(nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, n_out))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The last convolution's output, before its ReLU; ``x``: RGB in [0, 1]."""
        return self.body(x * 2 - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
