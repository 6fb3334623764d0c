"""Video decoding and lossless writing.

* Frames are ``uint8`` RGB arrays of shape ``(T, H, W, 3)``; grayscale and BGRA sources are
  converted to RGB.
* Frame counts come from decoding, never from the container: raw MPEG-4 elementary streams
  report garbage in ``CAP_PROP_FRAME_COUNT`` and HMDB51 files claim one frame too many.
* Output is lossless: FFV1 in AVI by default (``codec="PNG"`` for PNG-in-AVI). OpenCV's
  wheel cannot write H.264 here.
* FFmpeg's own log lines (``[mjpeg @ 0x...] overread 8`` on a truncated file) are silenced unless
  ``OPENCV_FFMPEG_LOGLEVEL`` is set: what a damaged file means is said in one line of ours instead
  (:func:`check_decoded`).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Iterable, Iterator

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # read when OpenCV's FFmpeg backend starts

import cv2  # noqa: E402
import numpy as np

from arsr_lib.core.atomic import atomic_path
from arsr_lib.core.errors import VideoError

LOSSLESS_CODECS = {"FFV1": "FFV1", "PNG": "png "}


def _open(path: Path) -> cv2.VideoCapture:
    if not path.exists():
        raise VideoError(f"{path}: no such video file")
    if path.is_dir():
        raise VideoError(f"{path}: is a folder, not a video file")
    if path.stat().st_size == 0:
        raise VideoError(f"{path}: empty file (0 bytes)")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise VideoError(f"{path}: OpenCV cannot open it (corrupt or unsupported container/codec)")
    return cap


def _to_rgb(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return np.repeat(frame[:, :, None], 3, axis=2)
    if frame.shape[2] == 1:
        return np.repeat(frame, 3, axis=2)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def iter_frames(path: str | os.PathLike, max_frames: int | None = None) -> Iterator[np.ndarray]:
    """Yield decoded frames (H, W, 3) uint8 RGB one by one."""
    path = Path(path)
    cap = _open(path)
    n = 0
    try:
        while max_frames is None or n < max_frames:
            ok, frame = cap.read()
            if not ok or frame is None:
                break
            n += 1
            yield _to_rgb(frame)
    finally:
        cap.release()
    if n == 0:
        raise VideoError(f"{path}: no decodable frames (empty or corrupt video)")


def read_video(path: str | os.PathLike, max_frames: int | None = None, min_frames: int = 1) -> np.ndarray:
    """Decode a whole video to ``(T, H, W, 3)`` uint8 RGB.

    ``min_frames``: raise :class:`VideoError` (naming the file) when fewer frames decode.
    """
    frames = list(iter_frames(path, max_frames))
    shapes = {f.shape for f in frames}
    if len(shapes) != 1:
        raise VideoError(f"{path}: frame size changes inside the video ({sorted(shapes)})")
    if len(frames) < min_frames:
        raise VideoError(f"{path}: {len(frames)} decodable frame(s), at least {min_frames} needed")
    return np.stack(frames)


def count_frames(path: str | os.PathLike, limit: int | None = None) -> int:
    """Number of frames that actually decode (the container's claim is not trusted), up to ``limit``."""
    path = Path(path)
    cap = _open(path)
    n = 0
    try:
        while (limit is None or n < limit) and cap.grab():
            n += 1
    finally:
        cap.release()
    if n == 0:
        raise VideoError(f"{path}: no decodable frames (empty or corrupt video)")
    return n


KNOWN_SHORTFALL = 1  # HMDB51's containers declare one frame more than decodes, on every clip


def check_decoded(
    path: str | os.PathLike, decoded: int, strict: bool = False, limit: int | None = None
) -> str | None:
    """A line to show when fewer frames decode than the container declares (``limit``: no more were asked
    for), else None. A shortfall beyond :data:`KNOWN_SHORTFALL` frame is a warning (a truncated or corrupt
    file), and a :class:`VideoError` when ``strict``."""
    declared = declared_info(path)["declared_frames"]
    if limit is not None:
        declared = min(declared, limit)
    if declared <= 0 or decoded >= declared:
        return None
    said = f"{path}: {decoded} of {declared} declared frames decode"
    if declared - decoded <= KNOWN_SHORTFALL:
        return f"note: {said} (the container over-declares by one, as on every HMDB51 clip)"
    if strict:
        raise VideoError(f"{said}: truncated or corrupt (--strict)")
    return f"warning: {said}: truncated or corrupt? The decodable frames are used (--strict stops instead)"


def declared_info(path: str | os.PathLike) -> dict:
    """What the container *claims* (fps, size, frame count); for display, never for counting."""
    cap = _open(Path(path))
    try:
        return {
            "fps": cap.get(cv2.CAP_PROP_FPS),
            "width": int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            "height": int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            "declared_frames": int(cap.get(cv2.CAP_PROP_FRAME_COUNT)),
        }
    finally:
        cap.release()


def write_video(
    path: str | os.PathLike, frames: Iterable[np.ndarray], fps: float = 25.0, codec: str = "FFV1"
) -> Path:
    """Write uint8 RGB frames (a ``(T, H, W, 3)`` array, ``(T, H, W)`` gray, or any iterable of ``(H, W, 3)``
    frames, streamed) losslessly, atomically.

    ``codec``: ``"FFV1"`` (default) or ``"PNG"`` (PNG-in-AVI). The container is AVI; the file is written under
    a temporary name and renamed when complete, so a failure midway leaves no file at ``path``.
    """
    path = Path(path)
    if codec not in LOSSLESS_CODECS:
        raise VideoError(
            f"{path}: codec {codec!r} is not one of the lossless codecs {sorted(LOSSLESS_CODECS)}"
        )
    if path.suffix.lower() != ".avi":
        raise VideoError(f"{path}: lossless output is written as .avi (got suffix {path.suffix!r})")
    if isinstance(frames, np.ndarray) and frames.ndim == 3:
        frames = np.repeat(frames[..., None], 3, axis=3)
    if isinstance(frames, np.ndarray) and (frames.ndim != 4 or len(frames) == 0):
        raise VideoError(f"{path}: expected non-empty (T, H, W, 3) frames, got shape {frames.shape}")
    iterator = iter(frames)
    first = next(iterator, None)
    if first is None:
        raise VideoError(f"{path}: no frames to write")
    first = np.asarray(first)
    if first.dtype != np.uint8:
        raise VideoError(f"{path}: frames must be uint8, got {first.dtype}")
    if first.ndim != 3 or first.shape[-1] != 3:
        raise VideoError(f"{path}: expected (H, W, 3) frames, got shape {first.shape}")
    h, w = first.shape[:2]
    with atomic_path(path) as tmp:
        fourcc = cv2.VideoWriter_fourcc(*LOSSLESS_CODECS[codec])  # type: ignore[attr-defined]
        writer = cv2.VideoWriter(str(tmp), fourcc, float(fps), (w, h))
        if not writer.isOpened():
            raise VideoError(f"{path}: OpenCV cannot open a {codec} writer here")
        try:
            for index, frame in enumerate(itertools.chain([first], iterator)):
                if frame.shape != first.shape or frame.dtype != np.uint8:
                    raise VideoError(
                        f"{path}: frame {index} is {frame.shape} {frame.dtype}, the first {first.shape} uint8"
                    )
                writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        finally:
            writer.release()
    return path


def temporal_window(frames: np.ndarray, centre: int, length: int) -> np.ndarray:
    """``length`` frames centred on ``centre`` (``length // 2`` each side), zero (black) frames beyond the
    ends: the input window of multi-frame SR (VSR-DUF) in training and at inference."""
    half = length // 2
    count = len(frames)
    return np.stack(
        [
            frames[k] if 0 <= k < count else np.zeros_like(frames[0])
            for k in range(centre - half, centre + half + 1)
        ]
    )
