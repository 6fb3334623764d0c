"""ResNet-18/34/50 with torchvision's parameter names (``conv1``, ``bn1``, ``layerN.M.convK``,
``downsample.0/1``, ``fc``), so ImageNet weights load from a local torchvision state dict, plus a
width-configurable tiny variant for CPU profiles.

Blocks accept an optional ``extra`` tensor added before their final ReLU: ST-ResNet's additive
motion -> appearance connection.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from arsr_lib.core.weights import RESNET50, load_weights


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor, extra: torch.Tensor | None = None) -> torch.Tensor:
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out)) + idt
        if extra is not None:
            out = out + extra
        return self.relu(out)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor, extra: torch.Tensor | None = None) -> torch.Tensor:
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out)) + idt
        if extra is not None:
            out = out + extra
        return self.relu(out)


DEPTHS: dict[int, tuple[type[BasicBlock] | type[Bottleneck], tuple[int, int, int, int]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
}


class ResNet(nn.Module):
    """``depth`` 18/34/50 (torchvision layout) or ``depth="tiny"``: BasicBlocks (1, 1, 1, 1) of ``width``.

    ``channels_last`` keeps the convolution weights in NHWC memory order, so that oneDNN runs its NHWC
    kernels, faster on the CPU (``reports/benchmarks/channels_last.md``). The function is the same; the
    float sums run in another order, so the bits are not (a pinned setting of
    a profile, ``recognition.channels_last``, recorded in the checkpoint's spec)."""

    def __init__(
        self,
        depth: int | str = 18,
        num_classes: int = 1000,
        in_ch: int = 3,
        width: int = 64,
        channels_last: bool = False,
    ):
        super().__init__()
        block: type[BasicBlock] | type[Bottleneck]
        if depth == "tiny":
            block, layers = BasicBlock, (1, 1, 1, 1)
        elif isinstance(depth, int) and depth in DEPTHS:
            block, layers = DEPTHS[depth]
        else:
            raise ValueError(f"ResNet depth must be 18, 34, 50 or 'tiny' (got {depth!r})")
        self.inplanes = width
        self.conv1 = nn.Conv2d(in_ch, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make(block, width, layers[0], 1)
        self.layer2 = self._make(block, width * 2, layers[1], 2)
        self.layer3 = self._make(block, width * 4, layers[2], 2)
        self.layer4 = self._make(block, width * 8, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.out_features = width * 8 * block.expansion
        self.fc = nn.Linear(self.out_features, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if channels_last:
            self.to(memory_format=torch.channels_last)  # type: ignore[call-overload]

    def _make(self, block, planes, n, stride):
        down = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            down = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion),
            )
        blocks = [block(self.inplanes, planes, stride, down)]
        self.inplanes = planes * block.expansion
        blocks += [block(self.inplanes, planes) for _ in range(1, n)]
        return nn.Sequential(*blocks)

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        return self.maxpool(self.relu(self.bn1(self.conv1(x))))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for layer in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = layer(x)
        return torch.flatten(self.avgpool(x), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


def load_imagenet(model: ResNet, path: str | Path, strict_fc: bool = False) -> list[str]:
    """Load a local torchvision ResNet state dict (``weights_only``); the classifier is skipped unless
    its shape matches. A first conv with another number of input channels gets TSN's cross-modality
    initialisation (see :func:`cross_modality_conv1`). Returns the keys not loaded."""
    sd = load_weights(path, RESNET50)
    own = model.state_dict()
    skipped = []
    for k, v in list(sd.items()):
        if k == "conv1.weight" and v.shape[1] != own[k].shape[1]:
            sd[k] = cross_modality_conv1(v, own[k].shape[1])
        elif k.startswith("fc.") and (v.shape != own[k].shape) and not strict_fc:
            skipped.append(k)
            del sd[k]
    missing = [k for k in own if k not in sd]
    model.load_state_dict(sd, strict=False)
    return sorted(set(skipped + missing))


def cross_modality_conv1(rgb_weight: torch.Tensor, in_ch: int) -> torch.Tensor:
    """TSN's cross-modality initialisation: average the RGB filters over input channels, replicate to
    ``in_ch``."""
    return rgb_weight.mean(dim=1, keepdim=True).repeat(1, in_ch, 1, 1).clone()
