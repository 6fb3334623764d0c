"""Reading a finished training run's ``final.pt``: weights only, with a clear error for anything else."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import torch

from arsr_lib.core.errors import ArsrError


class CheckpointError(ArsrError):
    """A checkpoint that cannot be loaded safely."""


def load_final(path: str | Path, map_location: str | torch.device = "cpu") -> dict:
    """A finished run's ``final.pt`` (weights_only)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint")
    try:
        with warnings.catch_warnings():  # torch's note on a foreign pickle protocol: the error below says it
            warnings.filterwarnings("ignore", message="Detected pickle protocol")
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:  # code in the pickle, or not a torch file at all
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(
            f"{path}: not a weights-only checkpoint; refused to unpickle it ({first})"
        ) from None
    except (RuntimeError, EOFError, ValueError) as exc:
        raise CheckpointError(
            f"{path}: unreadable checkpoint (truncated or not a torch file: {exc})"
        ) from None
