"""Losses of the paper, signature ``(pred, target, weight=None)`` where it fits.

**SoSR weighted MSE (Eq. 1).** The weight map comes from the magnitude of optical flow on HR
frames: ``m = sqrt(u^2 + v^2)`` (flow from frame t to t+1), ``w = floor + (1 - floor) *
min(m / m_ref, 1)`` with ``m_ref`` the frame's 99th-percentile magnitude
(``arsr_lib.data.flow.motion_weight_map``; ``reference`` fixes ``m_ref`` in px instead).
Three forms (``SRLossConfig.weight_form``):

* ``form="code"`` (the authors' code): ``mean(((w * SR) - (w * HR))^2) = mean(w^2 (SR - HR)^2)``;
* ``form="normalised"``: ``mean(w_n (SR - HR)^2)`` with ``w_n = w / mean_patch(w)`` (weights average 1
  over each patch; the floor keeps static pixels in the loss). An all-static patch gets weight 1
  everywhere, so moving patches get no more weight than static ones;
* ``form="batch"``: ``w_n = w / mean_batch(w)``: the weights average 1 over the whole batch, so a static
  pixel keeps ``floor / 1`` of a fully moving pixel's weight wherever it is, and the loss keeps the
  scale of a plain MSE.

**ToSR siamese loss (authors' code).** ``rho(HR1, SR1) + rho(HR2, SR2) + rho(SR1, W(SR2, F12)) +
rho(HR1, W(SR2, F12))``, rho = Huber with delta 0.01, each term weighted (default 1), F12 the HR flow
from frame 1 to frame 2, W the bilinear backward warp. ``mask_outside=True`` (default) averages
the two warp terms only over pixels whose sample fell inside the frame; the original instead
compares clipped samples, which leaves the last row and column of every patch at 0 (see README).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from arsr_lib.config.schema import WEIGHT_FORMS
from arsr_lib.core.weights import VGG19, WeightsError, hint, load_weights
from arsr_lib.data.flow import warp


def _bcast(weight: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return weight if weight.ndim == like.ndim else weight.unsqueeze(1)


def weighted_mse(
    pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None, form: str = "normalised"
) -> torch.Tensor:
    """SoSR's pixel loss. ``weight`` (N, H, W) or (N, 1, H, W); None -> plain MSE."""
    if weight is None:
        return F.mse_loss(pred, target)
    w = _bcast(weight, pred)
    if form == "code":
        return F.mse_loss(pred * w, target * w)
    if form == "normalised":
        wn = w / w.mean(dim=(-2, -1), keepdim=True).clamp_min(1e-8)
        return (wn * (pred - target) ** 2).mean()
    if form == "batch":
        return (w / w.mean().clamp_min(1e-8) * (pred - target) ** 2).mean()
    raise ValueError(f"weighted_mse form must be one of {WEIGHT_FORMS} (got {form!r})")


def l1(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    if weight is None:
        return F.l1_loss(pred, target)
    return (_bcast(weight, pred) * (pred - target).abs()).mean()


def huber(
    pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None, delta: float = 0.01
) -> torch.Tensor:
    """0.5 min(|e|, d)^2 + d (|e| - min(|e|, d)), averaged (over ``weight`` > 0 pixels if given)."""
    e = (pred - target).abs()
    q = e.clamp(max=delta)
    v = 0.5 * q * q + delta * (e - q)
    if weight is None:
        return v.mean()
    w = _bcast(weight, v).expand_as(v)
    return (v * w).sum() / w.sum().clamp_min(1e-8)


def tosr_loss(
    sr1: torch.Tensor,
    sr2: torch.Tensor,
    hr1: torch.Tensor,
    hr2: torch.Tensor,
    flow12: torch.Tensor,
    weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
    delta: float = 0.01,
    mask_outside: bool = True,
) -> dict:
    """The four ToSR terms and their weighted sum (``"total"``). ``flow12``: (N, H, W, 2) pixels."""
    sr2w, valid = warp(sr2, flow12)
    m = valid if mask_outside else None
    terms = {
        "content1": huber(sr1, hr1, delta=delta),
        "content2": huber(sr2, hr2, delta=delta),
        "warp_sr": huber(sr1, sr2w, m, delta=delta),
        "warp_hr": huber(hr1, sr2w, m, delta=delta),
    }
    terms["total"] = sum(w * t for w, t in zip(weights, terms.values()))  # type: ignore[assignment]
    return terms


# ---------------------------------------------------------------------------------------------
# GAN and feature losses (ESRGAN)
# ---------------------------------------------------------------------------------------------
def ragan_g_loss(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    """Relativistic average GAN, generator side (BCE with logits)."""
    bce = F.binary_cross_entropy_with_logits
    return 0.5 * (
        bce(d_real - d_fake.mean(), torch.zeros_like(d_real))
        + bce(d_fake - d_real.mean(), torch.ones_like(d_fake))
    )


def ragan_d_loss(d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    bce = F.binary_cross_entropy_with_logits
    return 0.5 * (
        bce(d_real - d_fake.mean(), torch.ones_like(d_real))
        + bce(d_fake - d_real.mean(), torch.zeros_like(d_fake))
    )


# VGG19 "features" indices of torchvision's layout; conv5_4 is index 34
_VGG19_CFG: list[int | str] = [
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    512,
    "M",
    512,
    512,
    512,
    512,
]


def vgg19_features(layers: int | None = 35) -> nn.Sequential:
    """VGG19's ``features`` in torchvision's layout (same indices, so its state dict loads), first ``layers``
    modules (35: up to conv5_4, before its ReLU)."""
    modules: list[nn.Module] = []
    cin = 3
    for v in _VGG19_CFG:
        if isinstance(v, str):  # "M"
            modules.append(nn.MaxPool2d(2))
        else:
            modules += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU(inplace=False)]
            cin = v
    return nn.Sequential(*modules[:layers])


class NetFeatureLoss(nn.Module):
    """L1 between a trained network's features of SR and HR (``net.features``; the network trained here,
    :mod:`arsr_lib.sr.featurenet`), the network frozen."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net.eval()
        for p in self.net.parameters():
            p.requires_grad_(False)

    def forward(
        self, pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None
    ) -> torch.Tensor:
        features = cast(Callable[[torch.Tensor], torch.Tensor], getattr(self.net, "features"))
        return F.l1_loss(features(pred), features(target).detach())


class FeatureLoss(nn.Module):
    """L1 between VGG19 conv5_4 (before ReLU) features of SR and HR, ImageNet-normalised input.

    Weights load from a local file in torchvision's layout (``features.N.weight`` / ``.bias``,
    e.g. ``vgg19-dcbb9e9d.pth``); nothing is downloaded. ``weights_path=None`` raises.
    """

    def __init__(self, weights_path: str | Path | None):
        super().__init__()
        if weights_path is None:
            raise WeightsError(
                f"feature loss: no VGG19 weights file ({hint(VGG19)}), or set the feature-loss weight to 0 "
                "or sr_loss.feature_net to 'trained' (the smoke and synth profiles do)"
            )
        sd = load_weights(weights_path, VGG19)
        self.features = vgg19_features()  # up to conv5_4 (index 34), before its ReLU
        sd = {
            k[len("features.") :]: v
            for k, v in sd.items()
            if k.startswith("features.") and int(k.split(".")[1]) <= 34
        }
        self.features.load_state_dict(sd)
        for p in self.features.parameters():
            p.requires_grad_(False)
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def forward(
        self, pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None
    ) -> torch.Tensor:
        f = lambda x: self.features((x - self.mean) / self.std)  # noqa: E731
        return F.l1_loss(f(pred), f(target).detach())
