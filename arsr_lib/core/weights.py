"""The ImageNet weights files the ``paper`` profile reads (torchvision state dicts), and their check.

``ARSR_VGG19_WEIGHTS`` (ESRGAN's feature loss) and ``ARSR_RESNET50_WEIGHTS`` (the recognisers' start) name
local files; ``arsr weights fetch`` (:mod:`arsr_lib.run.weights`) fetches them. A file whose name carries
torchvision's SHA-256 prefix (``vgg19-dcbb9e9d.pth``) is checked against it, as ``torch.hub`` checks a
download; a missing, unreadable or mismatching file is an error naming the variable and the command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from arsr_lib.core.atomic import file_digest
from arsr_lib.core.errors import ArsrError


@dataclass(frozen=True)
class WeightsFile:
    variable: str  # the environment variable the paper profile reads
    name: str  # torchvision's file name, which carries the SHA-256 prefix
    what: str


VGG19 = WeightsFile("ARSR_VGG19_WEIGHTS", "vgg19-dcbb9e9d.pth", "VGG19 (ESRGAN's feature loss)")
RESNET50 = WeightsFile("ARSR_RESNET50_WEIGHTS", "resnet50-0676ba61.pth", "ResNet-50 (the recognisers' start)")
FILES = (VGG19, RESNET50)


class WeightsError(ArsrError):
    """A weights file that is missing, unreadable or not the published one."""


def hash_prefix(name: str) -> str | None:
    """The SHA-256 prefix torchvision puts in a file name (``resnet50-0676ba61.pth`` -> ``0676ba61``)."""
    match = re.search(r"-([a-f0-9]{8,})\.[a-z]+$", name)
    return match.group(1) if match else None


def hint(spec: WeightsFile) -> str:
    return f"set {spec.variable} to torchvision's {spec.name}; `arsr weights fetch` downloads it"


def check_file(path: str | Path, spec: WeightsFile) -> Path:
    """``path`` exists and, when its name carries a hash prefix, its SHA-256 starts with it; returns it."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{spec.variable} = {path}: no such file ({hint(spec)})")
    prefix = hash_prefix(path.name)
    if prefix is not None:
        digest = file_digest(path, length=64)
        if not digest.startswith(prefix):
            raise WeightsError(
                f"{spec.variable} = {path}: SHA-256 {digest[:12]}... does not start with {prefix}, the hash "
                f"in its name (a corrupt or truncated file; {hint(spec)})"
            )
    return path


def load_weights(path: str | Path, spec: WeightsFile) -> dict:
    """The state dict in ``path`` (checked by :func:`check_file`, read ``weights_only``); an unreadable file
    is a :class:`WeightsError` naming the variable and the command."""
    import torch

    path = check_file(path, spec)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated or foreign file: name it and the way out
        raise WeightsError(f"{spec.variable} = {path}: not a readable state dict ({hint(spec)})") from exc
