"""Every architecture, one file each; ``build_model(name, **kwargs)`` builds any of them.

SR models map LR ``[0, 1]`` RGB to x``scale`` SR. Single-frame models take ``(N, 3, h, w)``; multi-frame
models (``n_frames > 1``, VSR-DUF) take ``(N, T, 3, h, w)`` and super-resolve the centre frame.
Recognisers (``tsn``, ``stresnet``) map snippets to class scores. A checkpoint records each model's
``{"arch": name, "kwargs": {...}}`` so that :func:`model_from_checkpoint` rebuilds it without any profile.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from arsr_lib.models.bicubic import BicubicSR
from arsr_lib.models.discriminator import VGGDiscriminator, VGGDiscriminatorAnySize
from arsr_lib.models.duf import DUF
from arsr_lib.models.featurenet import FeatureNet
from arsr_lib.models.rrdbnet import RRDBNet, convert_esrgan_state_dict
from arsr_lib.models.stresnet import STResNet
from arsr_lib.models.tsn import TSN
from arsr_lib.models.vdsr import VDSR

REGISTRY = {
    "bicubic": BicubicSR,
    "vdsr": VDSR,
    "rrdbnet": RRDBNet,
    "duf": DUF,
    "vgg_discriminator": VGGDiscriminator,
    "vgg_discriminator_any": VGGDiscriminatorAnySize,
    "tsn": TSN,
    "stresnet": STResNet,
    "featurenet": FeatureNet,
}


def build_model(name: str, **kwargs: Any) -> nn.Module:
    if name not in REGISTRY:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(REGISTRY)}")
    return REGISTRY[name](**kwargs)


def model_from_checkpoint(state: dict, key: str = "g") -> nn.Module:
    """Rebuild model ``key`` of a loaded checkpoint from its recorded spec and load its weights (strict)."""
    try:
        spec = state["specs"][key]
        arch, kwargs = spec["arch"], spec.get("kwargs", {})
    except (KeyError, TypeError):
        raise ValueError(
            f"checkpoint records no architecture for model {key!r} (specs: {sorted(state.get('specs', {}))})"
        ) from None
    model = build_model(arch, **kwargs)
    model.load_state_dict(state["models"][key])
    return model


__all__ = [
    "BicubicSR",
    "VDSR",
    "RRDBNet",
    "DUF",
    "TSN",
    "STResNet",
    "VGGDiscriminator",
    "VGGDiscriminatorAnySize",
    "build_model",
    "model_from_checkpoint",
    "convert_esrgan_state_dict",
    "REGISTRY",
]
