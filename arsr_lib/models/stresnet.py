"""Spatiotemporal Residual Networks (Feichtenhofer et al., NIPS 2016), two ResNet streams.

* additive motion -> appearance connections: the motion stream's output of the first residual
  unit of each of the four stages (``res2a_relu`` ... ``res5a_relu``) is added to the appearance
  stream's unit of the same name before its ReLU;
* temporal convolution: after those first units, a 3-tap convolution over the K snippets
  (per channel), initialised to an average (W/3 per tap, the original's initialisation);
* both streams end in average pooling over space and snippets; the prediction is the average of
  the two streams' class scores (each stream is also supervised), trained jointly.

Input ``(rgb (N, K, 3, H, W), flow (N, K, 2L, H, W))``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from arsr_lib.models.resnet import ResNet


class TemporalConv(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, padding=1, groups=channels, bias=False)
        nn.init.constant_(self.conv.weight, 1.0 / 3.0)

    def forward(self, x: torch.Tensor, k: int) -> torch.Tensor:
        nk, c, h, w = x.shape
        y = x.view(nk // k, k, c, h * w).permute(0, 3, 2, 1).reshape(-1, c, k)
        y = self.conv(y).view(nk // k, h * w, c, k).permute(0, 3, 2, 1).reshape(nk, c, h, w)
        return y


class STResNet(nn.Module):
    def __init__(
        self,
        num_classes: int,
        depth: int | str = 18,
        width: int = 64,
        new_length: int = 5,
        dropout: float = 0.5,
        channels_last: bool = False,
    ):
        super().__init__()
        layout: dict[str, Any] = dict(
            width=width, channels_last=channels_last
        )  # memory order of both backbones (ResNet)
        self.appearance = ResNet(depth, num_classes, in_ch=3, **layout)
        self.motion = ResNet(depth, num_classes, in_ch=2 * new_length, **layout)
        stages = (
            self.appearance.layer1,
            self.appearance.layer2,
            self.appearance.layer3,
            self.appearance.layer4,
        )
        chans = [(s[0].bn3 if hasattr(s[0], "bn3") else s[0].bn2).num_features for s in stages]
        self.tconv_a = nn.ModuleList(TemporalConv(c) for c in chans)
        self.tconv_m = nn.ModuleList(TemporalConv(c) for c in chans)
        self.dropout = nn.Dropout(dropout)
        self.taps: list[tuple[int, ...]] = []  # shapes of the four connections (for inspection)

    def forward(
        self, rgb: torch.Tensor, flow: torch.Tensor, return_streams: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        n, k = rgb.shape[:2]
        a = self.appearance.stem(rgb.flatten(0, 1))
        m = self.motion.stem(flow.flatten(0, 1))
        self.taps = []
        layers = zip(
            (self.appearance.layer1, self.appearance.layer2, self.appearance.layer3, self.appearance.layer4),
            (self.motion.layer1, self.motion.layer2, self.motion.layer3, self.motion.layer4),
        )
        for i, (la, lm) in enumerate(layers):
            m = lm[0](m)  # res{i+2}a_relu of the motion stream
            a = la[0](a, extra=m)  # added to the appearance unit before its ReLU
            self.taps.append(tuple(m.shape))
            a, m = self.tconv_a[i](a, k), self.tconv_m[i](m, k)
            for blk in la[1:]:
                a = blk(a)
            for blk in lm[1:]:
                m = blk(m)
        pooled_appearance = self.appearance.avgpool(a).flatten(1).view(n, k, -1).mean(1)
        pooled_motion = self.motion.avgpool(m).flatten(1).view(n, k, -1).mean(1)
        appearance_scores = self.appearance.fc(self.dropout(pooled_appearance))
        motion_scores = self.motion.fc(self.dropout(pooled_motion))
        fused = (appearance_scores + motion_scores) / 2
        return (fused, appearance_scores, motion_scores) if return_streams else fused
