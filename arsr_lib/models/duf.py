"""VSR-DUF (Jo et al., CVPR 2018): dynamic upsampling filters for video SR.

Input ``(N, T=7, 3, h, w)`` LR frames in [0, 1]; output the x``scale`` SR of the centre frame.

* 3-D conv stem (1x3x3) to ``nf`` channels; dense 3-D blocks of growth ``growth``:
  BN-ReLU-1x1x1 conv, BN-ReLU-3x3x3 conv, concatenation. The first blocks pad time, the last
  three do not (and crop the skip path by one frame per side), so T = 7 shrinks to 1.
  16 layers: 3 + 3 blocks of growth 32; 28 layers: 9 + 3 of growth 16; 52 layers: 21 + 3 of growth 16.
* BN-ReLU-1x3x3 conv to ``trunk`` channels, ReLU; two heads (1x1x1 convs):
  residual ``trunk -> trunk -> 3 r^2`` and filters ``trunk -> 2 trunk -> 25 r^2`` with a softmax
  over the 25 taps.
* Output: per pixel, 5x5 dynamic filters applied to each colour channel of the centre LR frame
  (a per-channel 5x5 -> 25 "local expand" filter bank, identity-initialised; trainable as in
  the authors' ToSR code), depth-to-space, plus the depth-to-space residual.
* BN with TensorFlow's epsilon 1e-3 and PyTorch's momentum 0.1 (``bn_momentum``). The authors' TensorFlow
  decay 0.999 (momentum 1e-3) leaves the running statistics about two-thirds at their initial values after
  a few hundred steps, so eval-mode outputs differ from train mode by grey levels; at 0.1 they track the
  training statistics (tests/test_models.py checks train and eval modes agree after training;
  docs/deviations.md).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

LAYOUTS = {16: (3, 32), 28: (9, 16), 52: (21, 16)}


BN_MOMENTUM = 0.1  # PyTorch's default; the authors' TensorFlow decay 0.999 is momentum 1e-3


def _bn(c, momentum: float = BN_MOMENTUM):
    return nn.BatchNorm3d(c, eps=1e-3, momentum=momentum)


class DenseBlock3D(nn.Module):
    def __init__(self, cin: int, growth: int, pad_time: bool, bn_momentum: float = BN_MOMENTUM):
        super().__init__()
        self.pad_time = pad_time
        self.bn1, self.conv1 = _bn(cin, bn_momentum), nn.Conv3d(cin, cin, 1)
        self.bn2 = _bn(cin, bn_momentum)
        self.conv2 = nn.Conv3d(cin, growth, 3, padding=(1 if pad_time else 0, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv1(F.relu(self.bn1(x)))
        y = self.conv2(F.relu(self.bn2(y)))
        skip = x if self.pad_time else x[:, :, 1:-1]
        return torch.cat((skip, y), 1)


class DUF(nn.Module):
    def __init__(
        self,
        scale: int = 4,
        num_layer: int = 16,
        n_frames: int = 7,
        nf: int = 64,
        growth: int | None = None,
        trunk: int = 256,
        trainable_expand: bool = True,
        bn_momentum: float = BN_MOMENTUM,
    ):
        super().__init__()
        if num_layer not in LAYOUTS:
            raise ValueError(f"DUF num_layer must be one of {sorted(LAYOUTS)} (got {num_layer})")
        n_pad, g = LAYOUTS[num_layer]
        growth = growth or g
        if n_frames != 7:
            raise ValueError("DUF uses 7 input frames (three unpadded blocks shrink T from 7 to 1)")
        self.scale, self.n_frames = scale, n_frames
        self.stem = nn.Conv3d(3, nf, (1, 3, 3), padding=(0, 1, 1))
        blocks, c = [], nf
        for i in range(n_pad + 3):
            blocks.append(DenseBlock3D(c, growth, pad_time=i < n_pad, bn_momentum=bn_momentum))
            c += growth
        self.blocks = nn.Sequential(*blocks)
        self.bn = _bn(c, bn_momentum)
        self.conv_trunk = nn.Conv3d(c, trunk, (1, 3, 3), padding=(0, 1, 1))
        r2 = scale * scale
        self.res_head = nn.Sequential(
            nn.Conv3d(trunk, trunk, 1), nn.ReLU(inplace=True), nn.Conv3d(trunk, 3 * r2, 1)
        )
        self.filt_head = nn.Sequential(
            nn.Conv3d(trunk, 2 * trunk, 1), nn.ReLU(inplace=True), nn.Conv3d(2 * trunk, 25 * r2, 1)
        )
        eye = torch.eye(25).view(25, 1, 5, 5)
        self.expand = nn.Parameter(eye.repeat(3, 1, 1, 1), requires_grad=trainable_expand)  # (3*25, 1, 5, 5)
        nn.init.zeros_(self.res_head[-1].weight)  # type: ignore[arg-type]
        nn.init.zeros_(self.res_head[-1].bias)  # type: ignore[arg-type]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 5 or x.shape[1] != self.n_frames:
            raise ValueError(f"DUF expects (N, {self.n_frames}, 3, h, w), got {tuple(x.shape)}")
        n, t, c, h, w = x.shape
        feat = self.blocks(self.stem(x.permute(0, 2, 1, 3, 4)))  # (N, C, 1, h, w)
        feat = F.relu(self.conv_trunk(F.relu(self.bn(feat))))
        r, r2 = self.scale, self.scale * self.scale
        res = self.res_head(feat)[:, :, 0]  # (N, 3 r2, h, w)
        filt = self.filt_head(feat)[:, :, 0].view(n, 25, r2, h, w).softmax(dim=1)
        centre = x[:, t // 2]  # (N, 3, h, w)
        patches = F.conv2d(centre, self.expand, padding=2, groups=3).view(n, 3, 25, 1, h, w)
        out = (patches * filt[:, None]).sum(2)  # (N, 3, r2, h, w)
        out = F.pixel_shuffle(out.reshape(n, 3 * r2, h, w), r)
        return out + F.pixel_shuffle(res, r)
