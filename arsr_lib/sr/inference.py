"""Super-resolution of whole videos with any model (Bicubic included).

* single-frame models run frame by frame in batches;
* multi-frame models (VSR-DUF) slide a ``n_frames`` window over the sequence, padded at both ends
  with zero (black) frames, as the original;
* ``tile`` splits large frames into overlapping LR tiles (``tile_pad`` LR pixels of context per side)
  whose centres are stitched, for frames too large for memory;
* output is uint8 RGB ``(T, scale*h, scale*w, 3)``: clamp to [0, 1], x255, round.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from pathlib import Path
from typing import Iterable, Iterator

import cv2
import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from arsr_lib.config import project_root
from arsr_lib.core.atomic import OutputError, atomic_folder, check_output
from arsr_lib.core.devices import autocast
from arsr_lib.core.errors import SRMemoryError
from arsr_lib.data.frames import FramesConfig, write_rawframes
from arsr_lib.data.video import write_video
from arsr_lib.models import build_model, model_from_checkpoint
from arsr_lib.models.pretrained import is_pretrained, load_pretrained
from arsr_lib.train.checkpoint import load_final


def pretrained_cache() -> Path:
    """Where converted pretrained weights are cached (``data/pretrained`` of the checkout)."""
    return project_root() / "data" / "pretrained"


def load_sr_model(checkpoint: str | Path, device: str = "cpu") -> nn.Module:
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


def _is_oom(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, torch.OutOfMemoryError) or (
        isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)
    )


def _run(model, x: torch.Tensor, scale: int, tile: int | None, tile_pad: int) -> np.ndarray:
    """:func:`_run_tiles`, with an out-of-memory failure turned into an error naming what to lower."""
    try:
        return _run_tiles(model, x, scale, tile, tile_pad)
    except (RuntimeError, torch.OutOfMemoryError) as exc:
        if not _is_oom(exc):
            raise
        h, w = x.shape[-2:]
        raise SRMemoryError(
            f"SR of {x.shape[0]} LR frame(s) of {w}x{h} ran out of memory on {x.device}: lower `batch` (now "
            f"{x.shape[0]}) or `tile` (LR pixels per tile side, now {tile or 'none: whole frames'}); "
            f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        ) from None


def _run_tiles(model, x: torch.Tensor, scale: int, tile: int | None, tile_pad: int) -> np.ndarray:
    """``x``: (N, 3, h, w) or (N, T, 3, h, w) -> uint8 (N, sh, sw, 3), optionally in overlapping tiles (each
    tile sees ``tile_pad`` LR pixels of context per side; only its centre is kept). Tiles are converted to
    uint8 as they come, so memory holds the uint8 frame and one tile's activations."""
    h, w = x.shape[-2:]
    if not tile or (h <= tile and w <= tile):
        return to_uint8(model(x).float())
    out = np.empty((x.shape[0], h * scale, w * scale, 3), np.uint8)
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(y0 + tile, h), min(x0 + tile, w)
            ya, xa = max(0, y0 - tile_pad), max(0, x0 - tile_pad)
            yb, xb = min(h, y1 + tile_pad), min(w, x1 + tile_pad)
            sr = model(x[..., ya:yb, xa:xb])
            oy, ox = (y0 - ya) * scale, (x0 - xa) * scale
            centre = sr[..., oy : oy + (y1 - y0) * scale, ox : ox + (x1 - x0) * scale]
            out[:, y0 * scale : y1 * scale, x0 * scale : x1 * scale] = to_uint8(centre.float())
    return out


def super_resolve(
    model: nn.Module,
    lr_frames: np.ndarray,
    batch: int = 16,
    tile: int | None = None,
    tile_pad: int = 8,
    device: str | torch.device = "cpu",
    amp: bool = False,
    progress: bool = False,
) -> np.ndarray:
    """SR of ``lr_frames`` with ``model``, uint8 in the input's layout with ``s`` times its size: RGB frames
    ``(T, h, w, 3)``, one RGB frame ``(h, w, 3)``, one grey image ``(h, w)`` or grey frames ``(T, h, w, 1)``.
    Grey input is given to the (RGB) model as three equal channels and its output turned back to grey (BT.601
    luma, as Real-ESRGAN's inference does)."""
    x = np.asarray(lr_frames)
    layouts = {(2, None): "grey", (3, 3): "frame", (4, 3): "frames", (4, 1): "grey frames"}
    layout = layouts.get((x.ndim, x.shape[-1] if x.ndim > 2 else None))
    if layout is None or x.dtype != np.uint8 or 0 in x.shape:
        raise ValueError(
            "super_resolve: expected uint8 (T, h, w, 3) or (h, w, 3) RGB, or (h, w) or (T, h, w, 1) grey; "
            f"got {x.shape} {x.dtype}"
        )
    rgb = {
        "grey": lambda: np.repeat(x[None, :, :, None], 3, axis=3),
        "frame": lambda: x[None],
        "frames": lambda: x,
        "grey frames": lambda: np.repeat(x, 3, axis=3),
    }[layout]()
    frames = super_resolve_stream(model, rgb, batch, tile, tile_pad, device, amp)
    out = np.stack(list(tqdm(frames, total=len(rgb), disable=not progress, desc="SR", unit="frame")))
    if layout.startswith("grey"):
        out = np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in out])
        return out[0] if layout == "grey" else out[..., None]
    return out[0] if layout == "frame" else out


def _batches(frames: Iterable[np.ndarray], n_frames: int, batch: int) -> Iterator[np.ndarray]:
    """Model inputs from a stream of LR frames: ``(B, h, w, 3)`` batches, or for multi-frame models
    ``(B, n_frames, h, w, 3)`` windows zero-padded at both ends; at most ``n_frames`` frames and one batch are
    held, whatever the length of the stream."""
    half = n_frames // 2
    held: collections.deque = collections.deque()  # frames first .. first + len(held) - 1
    first, centre, count, pending, zeros = 0, 0, 0, [], None

    def item(c: int) -> np.ndarray:
        if n_frames == 1:
            return held[c - first]
        window = [held[j - first] if 0 <= j < count else zeros for j in range(c - half, c + half + 1)]
        return np.stack(window)  # type: ignore[arg-type]

    def advance():
        nonlocal centre, first, pending
        pending.append(item(centre))
        centre += 1
        while held and first < centre - half:  # no later window needs it
            held.popleft()
            first += 1
        if len(pending) == batch:
            ready, pending = np.stack(pending), []
            return ready
        return None

    for frame in frames:
        frame = np.asarray(frame)
        if zeros is None:
            zeros = np.zeros_like(frame)
        elif frame.shape != zeros.shape:
            raise ValueError(f"frame {count} is {frame.shape}, the frames before it {zeros.shape}")
        held.append(frame)
        count += 1
        while centre + half < count:  # the window of `centre` is complete
            ready = advance()
            if ready is not None:
                yield ready
    while centre < count:  # the last windows reach past the end: zero frames there
        ready = advance()
        if ready is not None:
            yield ready
    if pending:
        yield np.stack(pending)


def super_resolve_stream(
    model: nn.Module,
    lr_frames: Iterable[np.ndarray],
    batch: int = 16,
    tile: int | None = None,
    tile_pad: int = 8,
    device: str | torch.device = "cpu",
    amp: bool = False,
) -> Iterator[np.ndarray]:
    """SR of a stream of ``(h, w, 3)`` uint8 RGB frames, yielding ``(s*h, s*w, 3)`` uint8 frames one by one;
    memory holds one batch (and, for multi-frame models, one window) whatever the length of the video."""
    device = torch.device(device)
    model = model.to(device).eval()
    scale = getattr(model, "scale", 4)
    n_frames = getattr(model, "n_frames", 1)
    ctx = autocast(device, amp)
    for inputs in _batches(lr_frames, n_frames, batch):
        if inputs.dtype != np.uint8 or inputs.shape[-1] != 3:
            raise ValueError(
                f"super_resolve_stream: expected (h, w, 3) uint8 frames, got {inputs.shape[1:]} "
                f"{inputs.dtype}"
            )
        x = _frames_to_tensor(inputs.reshape(-1, *inputs.shape[-3:]))
        x = x.reshape(*inputs.shape[:-3], *x.shape[1:]).contiguous().to(device)
        with torch.no_grad(), ctx:
            yield from _run(model, x, scale, tile, tile_pad)


def super_resolve_indices(
    model: nn.Module,
    lr_frame: Callable[[int], np.ndarray],
    n_frames: int,
    indices: Iterable[int],
    batch: int = 16,
    tile: int | None = None,
    tile_pad: int = 8,
    device: str | torch.device = "cpu",
    amp: bool = False,
) -> dict[int, np.ndarray]:
    """SR of only the frames ``indices`` (0-based) of an ``n_frames`` video: ``index -> (s*h, s*w, 3)`` uint8.

    ``lr_frame(i)`` gives LR frame ``i``; a multi-frame model (VSR-DUF) reads the ``n_frames`` window around
    each index, zero frames beyond the video's ends, so each output equals the frame of a whole-video SR."""
    device = torch.device(device)
    model = model.to(device).eval()
    scale = getattr(model, "scale", 4)
    window = getattr(model, "n_frames", 1)
    half = window // 2
    indices = sorted({int(i) for i in indices})
    if not indices:
        return {}
    if indices[0] < 0 or indices[-1] >= n_frames:
        raise ValueError(f"super_resolve_indices: indices must lie in 0..{n_frames - 1} (got {indices})")
    zeros = np.zeros_like(lr_frame(indices[0]))

    def item(c: int) -> np.ndarray:
        if window == 1:
            return lr_frame(c)
        return np.stack([lr_frame(j) if 0 <= j < n_frames else zeros for j in range(c - half, c + half + 1)])

    out: dict[int, np.ndarray] = {}
    ctx = autocast(device, amp)
    for b in range(0, len(indices), batch):
        chunk = indices[b : b + batch]
        inputs = np.stack([item(c) for c in chunk])
        x = _frames_to_tensor(inputs.reshape(-1, *inputs.shape[-3:]))
        x = x.reshape(*inputs.shape[:-3], *x.shape[1:]).contiguous().to(device)
        with torch.no_grad(), ctx:
            out.update(zip(chunk, _run(model, x, scale, tile, tile_pad)))
    return out


def output_format(output: str | Path, fmt: str | None = None) -> str:
    """How SR output ``output`` is written: ``avi`` (a lossless FFV1 file: ``.avi``), or ``png`` / ``jpg`` (a
    folder of frames: a name without a suffix, or any name with ``fmt`` png/jpg). Another suffix (``.mp4``:
    this OpenCV cannot write H.264) is an error, not a folder of that name."""
    suffix = Path(output).suffix.lower()
    if fmt is None:
        if suffix == ".avi":
            return "avi"
        if suffix:
            raise ValueError(
                f"{output}: cannot write {suffix} here (OpenCV's wheel writes no H.264/MP4); give a .avi "
                "file (lossless FFV1), a folder name without a suffix (PNG frames), or --format png/jpg"
            )
        return "png"
    if fmt not in ("avi", "png", "jpg"):
        raise ValueError(f"{output}: format must be avi, png or jpg (got {fmt!r})")
    if fmt == "avi" and suffix != ".avi":
        raise ValueError(f"{output}: the avi format is written to a .avi file (got suffix {suffix!r})")
    return fmt


def save_sr(
    frames: Iterable[np.ndarray], output: str | Path, fmt: str | None = None, fps: float = 25.0
) -> Path:
    """Write SR frames (an array or a stream) as a lossless video (``.avi``) or a rawframes folder (``png`` /
    ``jpg`` images; :func:`output_format`), atomically: a failure leaves nothing under ``output``, and a
    write error names ``output``, not the temporary file."""
    output = Path(output)
    fmt = output_format(output, fmt)
    check_output(output, folder=fmt != "avi")
    try:
        if fmt == "avi":
            return write_video(output, frames, fps=fps)
        cfg = FramesConfig(flow_method=None, image_ext=fmt, min_frames=1)
        with atomic_folder(output, {"sr_frames": fmt}) as (tmp, info):
            count = 0
            for count, frame in enumerate(frames, 1):
                write_rawframes(tmp, frame[None], None, cfg, start=count)
            if count == 0:
                raise ValueError(f"save_sr: no frames to write to {output}")
            info.update(frames=count, flows=0, height=int(frame.shape[0]), width=int(frame.shape[1]))
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from None
    return output
