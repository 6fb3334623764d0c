"""SR architectures, one file each. ``build_model(name, **kwargs)`` builds any of them.

Every model maps LR ``[0, 1]`` RGB to x``scale`` SR. Single-frame models take ``(N, 3, h, w)``;
multi-frame models (``n_frames > 1``, VSR-DUF) take ``(N, T, 3, h, w)`` and super-resolve the
centre frame. ``model.n_frames`` tells callers which.
"""
from __future__ import annotations

from arsr_lib.models.bicubic import BicubicSR
from arsr_lib.models.discriminator import VGGDiscriminator, VGGDiscriminatorAnySize
from arsr_lib.models.duf import DUF
from arsr_lib.models.rrdbnet import RRDBNet, convert_esrgan_state_dict
from arsr_lib.models.vdsr import VDSR

REGISTRY = {"bicubic": BicubicSR, "vdsr": VDSR, "rrdbnet": RRDBNet, "duf": DUF,
            "vgg_discriminator": VGGDiscriminator, "vgg_discriminator_any": VGGDiscriminatorAnySize}


def build_model(name: str, **kwargs):
    if name not in REGISTRY:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(REGISTRY)}")
    return REGISTRY[name](**kwargs)


__all__ = ["BicubicSR", "VDSR", "RRDBNet", "DUF", "VGGDiscriminator", "VGGDiscriminatorAnySize", "build_model",
           "convert_esrgan_state_dict", "REGISTRY"]
