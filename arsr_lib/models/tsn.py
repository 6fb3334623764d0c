"""Temporal Segment Networks (Wang et al., ECCV 2016) on a ResNet backbone.

``forward(x)`` takes ``(N, K, C, H, W)``: K snippets per video (segments in training, test
snippets x crops at test time); each snippet is scored by the backbone and the scores are
averaged (average consensus). RGB: C = 3 (one frame per snippet); flow: C = 2 * new_length
(x/y of ``new_length`` consecutive flow frames, 10 by default). Partial BN freezes every BN but
the first; dropout before the classifier. ``channels_last``: the backbone's memory order (:class:`ResNet`).
"""

from __future__ import annotations

import torch
from torch import nn

from arsr_lib.models.resnet import ResNet, cross_modality_conv1


class TSN(nn.Module):
    def __init__(
        self,
        num_classes: int,
        modality: str = "rgb",
        depth: int | str = 18,
        width: int = 64,
        new_length: int = 5,
        dropout: float = 0.8,
        partial_bn: bool = True,
        channels_last: bool = False,
    ):
        super().__init__()
        if modality not in ("rgb", "flow"):
            raise ValueError(f"TSN modality must be 'rgb' or 'flow' (got {modality!r})")
        self.modality, self.new_length = modality, new_length
        in_ch = 3 if modality == "rgb" else 2 * new_length
        self.base = ResNet(depth, num_classes, in_ch=in_ch, width=width, channels_last=channels_last)
        self.dropout = nn.Dropout(dropout)
        self.partial_bn = partial_bn

    def init_flow_from_rgb(self, rgb_conv1_weight: torch.Tensor) -> None:
        """Cross-modality initialisation of the first conv from an RGB model's conv1."""
        self.base.conv1.weight.data.copy_(cross_modality_conv1(rgb_conv1_weight, self.base.conv1.in_channels))

    def train(self, mode: bool = True) -> TSN:
        super().train(mode)
        if mode and self.partial_bn:
            bns = [m for m in self.base.modules() if isinstance(m, nn.BatchNorm2d)]
            for bn in bns[1:]:
                bn.eval()
                bn.weight.requires_grad_(False)
                bn.bias.requires_grad_(False)
        return self

    def snippet_scores(self, x: torch.Tensor) -> torch.Tensor:
        n, k = x.shape[:2]
        feats = self.base.features(x.flatten(0, 1))
        return self.base.fc(self.dropout(feats)).view(n, k, -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.snippet_scores(x).mean(1)  # average consensus
