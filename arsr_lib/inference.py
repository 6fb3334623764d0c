"""Super-resolution of whole videos with any model (Bicubic included).

* single-frame models run frame by frame in batches;
* multi-frame models (VSR-DUF) slide a ``n_frames`` window over the sequence, padded at both ends
  with zero (black) frames, as the original;
* ``tile`` splits large frames into overlapping LR tiles (``tile_pad`` LR pixels of context per side)
  whose centres are stitched, for frames too large for memory;
* output is uint8 RGB ``(T, scale*h, scale*w, 3)``: clamp to [0, 1], x255, round.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from arsr_lib.atomic import atomic_folder
from arsr_lib.config import project_root
from arsr_lib.engine import load_final
from arsr_lib.frames import FramesConfig, write_rawframes
from arsr_lib.models import build_model, model_from_checkpoint
from arsr_lib.models.pretrained import is_pretrained, load_pretrained
from arsr_lib.video import temporal_window, write_video


def pretrained_cache() -> Path:
    """Where converted pretrained weights are cached (``data/pretrained`` of the checkout)."""
    return project_root() / "data" / "pretrained"


def load_sr_model(checkpoint: str | Path, device: str = "cpu"):
    """An SR model: ``"bicubic"``, a named pretrained model (``realsr-df2k``, ``realesrgan-x4plus``), or a
    training run's ``final.pt`` rebuilt from the architecture it records."""
    if str(checkpoint).lower() == "bicubic":
        return build_model("bicubic").eval()
    if is_pretrained(checkpoint):
        return load_pretrained(str(checkpoint), pretrained_cache()).to(device)
    return model_from_checkpoint(load_final(checkpoint, map_location=device)).to(device).eval()


def _frames_to_tensor(frames: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(frames)).float().div_(255.0).permute(0, 3, 1, 2)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """``(..., 3, H, W)`` float in [0, 1] -> ``(..., H, W, 3)`` uint8: clamp, x255, round."""
    return (x.clamp(0, 1) * 255).round().byte().movedim(-3, -1).cpu().numpy()


def _run(model, x: torch.Tensor, scale: int, tile: int | None, tile_pad: int) -> torch.Tensor:
    """``x``: (N, 3, h, w) or (N, T, 3, h, w) -> (N, 3, sh, sw), optionally tiled."""
    h, w = x.shape[-2:]
    if not tile or (h <= tile and w <= tile):
        return model(x)
    out = torch.empty(*x.shape[:1], 3, h * scale, w * scale, device=x.device)
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            ya, xa = max(0, y0 - tile_pad), max(0, x0 - tile_pad)
            yb, xb = min(h, y1 + tile_pad), min(w, x1 + tile_pad)
            sr = model(x[..., ya:yb, xa:xb])
            oy, ox = (y0 - ya) * scale, (x0 - xa) * scale
            out[..., y0 * scale : y1 * scale, x0 * scale : x1 * scale] = sr[
                ..., oy : oy + (y1 - y0) * scale, ox : ox + (x1 - x0) * scale
            ]
    return out


@torch.no_grad()
def super_resolve(
    model,
    lr_frames: np.ndarray,
    batch: int = 16,
    tile: int | None = None,
    tile_pad: int = 8,
    device: str | torch.device = "cpu",
    amp: bool = False,
    progress: bool = False,
) -> np.ndarray:
    """SR of ``lr_frames`` (T, h, w, 3) uint8 RGB with ``model``; returns (T, s*h, s*w, 3) uint8."""
    from tqdm.auto import tqdm

    lr_frames = np.asarray(lr_frames)
    if lr_frames.ndim != 4 or lr_frames.shape[-1] != 3 or lr_frames.dtype != np.uint8:
        raise ValueError(
            f"super_resolve: expected (T, h, w, 3) uint8 frames, got {lr_frames.shape} {lr_frames.dtype}"
        )
    device = torch.device(device)
    model = model.to(device).eval()
    scale = getattr(model, "scale", 4)
    n_frames = getattr(model, "n_frames", 1)
    count = len(lr_frames)
    out = []
    ctx = (
        torch.autocast(device.type, dtype=torch.bfloat16)
        if amp
        else torch.autocast(device.type, enabled=False)
    )
    for start in tqdm(range(0, count, batch), disable=not progress, desc="SR", unit="batch"):
        stop = min(start + batch, count)
        if n_frames > 1:  # one zero-padded window per output frame
            windows = np.stack([temporal_window(lr_frames, t, n_frames) for t in range(start, stop)])
            inp = _frames_to_tensor(windows.reshape(-1, *windows.shape[2:]))
            inp = inp.reshape(stop - start, n_frames, *inp.shape[1:]).contiguous().to(device)
        else:
            inp = _frames_to_tensor(lr_frames[start:stop]).to(device)
        with ctx:
            sr = _run(model, inp, scale, tile, tile_pad)
        out.append(to_uint8(sr.float()))
    return np.concatenate(out)


def save_sr(frames: np.ndarray, output: str | Path, fmt: str | None = None, fps: float = 25.0) -> Path:
    """Write SR frames as a lossless video (``.avi``) or a rawframes folder (``png`` / ``jpg`` images)."""

    output = Path(output)
    fmt = fmt or ("avi" if output.suffix.lower() == ".avi" else "png")
    if fmt == "avi":
        return write_video(output, frames, fps=fps)
    if fmt not in ("png", "jpg"):
        raise ValueError(f"save_sr: format must be avi, png or jpg (got {fmt!r})")
    cfg = FramesConfig(flow_method=None, image_ext=fmt, min_frames=1)
    with atomic_folder(output, {"sr_frames": fmt, "n": int(len(frames))}) as (tmp, info):
        info.update(write_rawframes(tmp, frames, None, cfg))
    return output
