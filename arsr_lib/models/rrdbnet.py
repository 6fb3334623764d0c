"""RRDBNet, the ESRGAN generator (Wang et al., ECCV 2018 workshops).

Residual-in-residual dense blocks (5 convs, growth ``gc``, LeakyReLU 0.2, residual scaling 0.2),
a trunk conv, then x4 by (nearest x2 + conv + LeakyReLU) twice, an HR conv and the output conv.
Parameter names follow BasicSR (``conv_first``, ``body.N.rdb1.conv1``, ...);
:func:`convert_esrgan_state_dict` maps the original ESRGAN layout (``model.0``, ``RRDB_trunk``
in the 2018 release's ``model.1.sub.N.RDB1.conv1.0``) onto it.
"""

from __future__ import annotations

import re
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class ResidualDenseBlock(nn.Module):
    def __init__(self, nf: int = 64, gc: int = 32):
        super().__init__()
        self.conv1 = nn.Conv2d(nf, gc, 3, 1, 1)
        self.conv2 = nn.Conv2d(nf + gc, gc, 3, 1, 1)
        self.conv3 = nn.Conv2d(nf + 2 * gc, gc, 3, 1, 1)
        self.conv4 = nn.Conv2d(nf + 3 * gc, gc, 3, 1, 1)
        self.conv5 = nn.Conv2d(nf + 4 * gc, nf, 3, 1, 1)
        for m in (self.conv1, self.conv2, self.conv3, self.conv4, self.conv5):
            nn.init.kaiming_normal_(m.weight, a=0.2)
            m.weight.data *= 0.1  # small init keeps the deep residual stack stable
            nn.init.zeros_(m.bias)  # type: ignore[arg-type]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = lambda t: F.leaky_relu(t, 0.2)  # noqa: E731
        x1 = act(self.conv1(x))
        x2 = act(self.conv2(torch.cat((x, x1), 1)))
        x3 = act(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = act(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x + 0.2 * x5


class RRDB(nn.Module):
    def __init__(self, nf: int = 64, gc: int = 32):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(nf, gc)
        self.rdb2 = ResidualDenseBlock(nf, gc)
        self.rdb3 = ResidualDenseBlock(nf, gc)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.2 * self.rdb3(self.rdb2(self.rdb1(x)))


class RRDBNet(nn.Module):
    n_frames = 1

    def __init__(
        self, scale: int = 4, nf: int = 64, nb: int = 23, gc: int = 32, in_ch: int = 3, out_ch: int = 3
    ):
        super().__init__()
        if scale != 4:
            raise ValueError(f"RRDBNet here upsamples x4 (two nearest+conv stages); got scale={scale}")
        self.scale = scale
        self.conv_first = nn.Conv2d(in_ch, nf, 3, 1, 1)
        self.body = nn.Sequential(*[RRDB(nf, gc) for _ in range(nb)])
        self.conv_body = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_hr = nn.Conv2d(nf, nf, 3, 1, 1)
        self.conv_last = nn.Conv2d(nf, out_ch, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        act = lambda t: F.leaky_relu(t, 0.2)  # noqa: E731
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = act(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = act(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(act(self.conv_hr(feat)))

    def load_any_state_dict(self, sd: dict, strict: bool = True) -> Any:
        """Load a state dict in BasicSR's or the original ESRGAN's key layout."""
        if any(k.startswith("model.") for k in sd):
            sd = convert_esrgan_state_dict(sd)
        elif any(k.startswith("RRDB_trunk.") for k in sd):
            sd = convert_esrgan_state_dict(sd)
        return self.load_state_dict(sd, strict=strict)


_OLD_TOP = {
    "model.0": "conv_first",
    "model.3": "conv_up1",
    "model.6": "conv_up2",
    "model.8": "conv_hr",
    "model.10": "conv_last",
}
_NEW_TOP = {
    "conv_first": "conv_first",
    "trunk_conv": "conv_body",
    "upconv1": "conv_up1",
    "upconv2": "conv_up2",
    "HRconv": "conv_hr",
    "conv_last": "conv_last",
}


def convert_esrgan_state_dict(sd: dict) -> dict:
    """Map original ESRGAN keys onto BasicSR names.

    Handles the 2018 ``architecture.py`` layout (``model.0.weight``, ``model.1.sub.N.RDB1.conv1.0.weight``,
    ``model.1.sub.<nb>.weight`` for the trunk conv, ``model.3/6/8/10``) and the later ``RRDBNet_arch.py``
    layout (``RRDB_trunk.N.RDB1.conv1.weight``, ``trunk_conv``, ``upconv1/2``, ``HRconv``, ``conv_last``).
    """
    out = {}
    sub_idx = [int(m.group(1)) for k in sd for m in [re.match(r"model\.1\.sub\.(\d+)\.weight$", k)] if m]
    trunk = max(sub_idx) if sub_idx else None
    for k, v in sd.items():
        m = re.match(r"model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.(weight|bias)$", k)
        if m:
            out[f"body.{m.group(1)}.rdb{m.group(2)}.conv{m.group(3)}.{m.group(4)}"] = v
            continue
        m = re.match(r"model\.1\.sub\.(\d+)\.(weight|bias)$", k)
        if m and int(m.group(1)) == trunk:
            out[f"conv_body.{m.group(2)}"] = v
            continue
        m = re.match(r"RRDB_trunk\.(\d+)\.RDB(\d)\.conv(\d)\.(weight|bias)$", k)
        if m:
            out[f"body.{m.group(1)}.rdb{m.group(2)}.conv{m.group(3)}.{m.group(4)}"] = v
            continue
        prefix, _, leaf = k.rpartition(".")
        if prefix in _OLD_TOP:
            out[f"{_OLD_TOP[prefix]}.{leaf}"] = v
        elif prefix in _NEW_TOP:
            out[f"{_NEW_TOP[prefix]}.{leaf}"] = v
        else:
            raise KeyError(f"convert_esrgan_state_dict: unexpected key {k!r}")
    return out
