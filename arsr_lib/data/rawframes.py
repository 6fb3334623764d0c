"""The one rawframes reader: a folder's marker (frame and flow counts), all its images, or only the indices a
consumer samples (a snippet's frames, a test protocol's flows), decoded from JPEG and dequantised where
flow."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from arsr_lib.core import protocol
from arsr_lib.core.atomic import MARKER, read_marker
from arsr_lib.core.errors import ExtractionError
from arsr_lib.data.flow import dequantize


def rawframes_info(folder: str | os.PathLike) -> dict:
    """The marker of a complete rawframes folder (frame / flow counts, size, config); an error otherwise."""
    meta = read_marker(folder)
    if meta is None:
        raise ExtractionError(f"{folder}: not a complete rawframes folder (no {Path(folder) / MARKER})")
    return meta


def read_rawframes(
    folder: str | os.PathLike, modality: str, indices: Iterable[int] | None = None, meta: dict | None = None
) -> np.ndarray:
    """The one rawframes reader: uint8 RGB frames ``(N, H, W, 3)`` (``modality="rgb"``) or the quantised flow
    ``(N, H, W, 2)`` as stored (``"flow"``) of a complete folder; all of them, or only ``indices`` (0-based,
    in the order given): a consumer reads only the images it samples."""
    folder = Path(folder)
    meta = meta or rawframes_info(folder)
    if modality not in ("rgb", "flow"):
        raise ValueError(f"read_rawframes: modality must be 'rgb' or 'flow' (got {modality!r})")
    n = meta["frames"] if modality == "rgb" else meta["flows"]
    if modality == "flow" and not n:
        raise ExtractionError(f"{folder}: has no flow images")
    indices = list(range(n)) if indices is None else [int(i) for i in indices]
    present = meta.get("present_frames" if modality == "rgb" else "present_flows")
    present = None if present is None else set(present)
    for i in indices:
        if not 0 <= i < n or (present is not None and i not in present):
            raise ExtractionError(
                f"{folder}: {modality} image {i + 1} was not extracted (the folder holds "
                f"{'all ' + str(n) if present is None else str(len(present)) + ' of ' + str(n)})"
            )
    loaded: dict[int, np.ndarray] = {}
    ext = meta["config"]["image_ext"]
    for i in indices:
        if i in loaded:
            continue
        if modality == "rgb":
            path = folder / protocol.IMG_TMPL.format(i + 1, ext=ext)
            img = cv2.imread(str(path))
            if img is None:
                raise ExtractionError(f"{path}: missing or unreadable image")
            loaded[i] = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        else:
            axes = []
            for axis in "xy":
                path = folder / protocol.FLOW_TMPL.format(i + 1, axis=axis, ext="jpg")
                img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
                if img is None:
                    raise ExtractionError(f"{path}: missing or unreadable flow image")
                axes.append(img)
            loaded[i] = np.stack(axes, -1)
    return np.stack([loaded[i] for i in indices])


def load_rawframes(
    folder: str | os.PathLike, flow: bool = True, bound: float = protocol.FLOW_BOUND
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read back a complete rawframes folder: ``(frames (T,H,W,3) uint8, flow (T-1,H,W,2) float32 |
    None)``."""
    frames = read_rawframes(folder, "rgb")
    marker = read_marker(folder)
    if marker is None:
        raise ExtractionError(f"{folder}: not a complete rawframes folder (no {Path(folder) / MARKER})")
    has_flow = flow and marker["flows"]
    return frames, dequantize(read_rawframes(folder, "flow"), bound) if has_flow else None
