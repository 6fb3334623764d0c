"""Video -> rawframes folder in the TSN / mmaction2 / denseflow layout.

For each video ``<out_root>/<Class>/<video stem>/`` receives ``img_00001.jpg`` ... (1-based)
and ``flow_x_00001.jpg`` / ``flow_y_00001.jpg`` ... (flow k = frame k -> k+1, quantised with
bound 20). ``variant`` decides what is extracted:

* ``hr``: the decoded frames as they are;
* ``lr``: MATLAB-bicubic x1/scale (after modcrop), the paper's LR input;
* ``bicubic``: ``lr`` upsampled back by MATLAB bicubic x scale, the paper's "Bicubic" baseline.

Each video folder is filled under a temporary name and gets its marker ``.done.json`` last,
then is renamed into place: a killed run leaves only temporary folders, which the next run
removes and redoes. A folder is trusted only when its marker records the same config.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import cv2
import numpy as np

from arsr_lib.core import protocol
from arsr_lib.core.atomic import atomic_folder, clean_partials, is_complete
from arsr_lib.core.codekey import code_digest
from arsr_lib.data.degrade import bicubic_upscale, downscale
from arsr_lib.data.flow import compute_flow, quantize
from arsr_lib.data.video import check_decoded, read_video

VARIANTS = ("hr", "lr", "bicubic")


@dataclass(frozen=True)
class FramesConfig:
    """Everything that determines the content of one rawframes folder."""

    variant: str = "hr"
    scale: int = protocol.SCALE
    flow_method: str | None = "dis"  # None: frames only
    bound: float = protocol.FLOW_BOUND
    image_ext: str = "jpg"  # "png" for lossless frames
    jpeg_quality: int = protocol.FRAME_JPEG_QUALITY
    flow_jpeg_quality: int = protocol.FLOW_JPEG_QUALITY
    max_frames: int | None = None
    min_frames: int = 2
    source_tag: str | None = (
        None  # identifies the source (e.g. the SR checkpoint digest) so a changed source is redone
    )
    # the source of the code writing rawframes (arsr_lib.core.codekey): a fix there redoes them, nothing else
    # does
    code: str = field(default_factory=lambda: code_digest("rawframes"))

    def __post_init__(self):
        if self.variant not in VARIANTS:
            raise ValueError(f"FramesConfig.variant must be one of {VARIANTS}, got {self.variant!r}")
        if self.image_ext not in ("jpg", "png"):
            raise ValueError(f"FramesConfig.image_ext must be 'jpg' or 'png', got {self.image_ext!r}")
        if self.min_frames < (2 if self.flow_method else 1):
            raise ValueError("FramesConfig.min_frames must be >= 2 when flow is extracted")


def transform_frames(frames: np.ndarray, variant: str, scale: int = protocol.SCALE) -> np.ndarray:
    if variant == "hr":
        return frames
    lr = downscale(frames, scale)
    return lr if variant == "lr" else bicubic_upscale(lr, scale)


def _imwrite(path: Path, img: np.ndarray, quality: int) -> None:
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    params = (
        [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
        if path.suffix == ".jpg"
        else [cv2.IMWRITE_PNG_COMPRESSION, 3]
    )
    if not cv2.imwrite(str(path), img, params):
        raise OSError(f"cannot write {path}")


def write_rawframes(
    folder: Path, frames: np.ndarray, flow: np.ndarray | None, cfg: FramesConfig, start: int = 1
) -> dict:
    """Write already computed frames/flow into ``folder`` (no marker; see :func:`extract_video`); the first
    frame gets number ``start``."""
    for i, f in enumerate(frames, start):
        _imwrite(folder / protocol.IMG_TMPL.format(i, ext=cfg.image_ext), f, cfg.jpeg_quality)
    if flow is not None:
        q = quantize(flow, cfg.bound)
        for i, fq in enumerate(q, 1):
            _imwrite(
                folder / protocol.FLOW_TMPL.format(i, axis="x", ext="jpg"), fq[..., 0], cfg.flow_jpeg_quality
            )
            _imwrite(
                folder / protocol.FLOW_TMPL.format(i, axis="y", ext="jpg"), fq[..., 1], cfg.flow_jpeg_quality
            )
    return {
        "frames": int(len(frames)),
        "flows": 0 if flow is None else int(len(flow)),
        "height": int(frames.shape[1]),
        "width": int(frames.shape[2]),
    }


def extract_video(
    video: str | os.PathLike,
    out_dir: str | os.PathLike,
    cfg: FramesConfig = FramesConfig(),
    force: bool = False,
    strict: bool = False,
) -> tuple[str, str | None]:
    """Extract one video; returns (``"done"`` or ``"skipped"`` (already complete with this config), the line
    to show when fewer frames decode than the container declares, or None; an error when ``strict``)."""
    decoded = decode_variant(video, out_dir, cfg, force, strict)
    if decoded is None:
        return "skipped", None
    frames, note = decoded
    flow = compute_flow(frames, cfg.flow_method) if cfg.flow_method else None
    write_folder(video, out_dir, cfg, frames, flow)
    return "done", note


def decode_variant(
    video: str | os.PathLike, out_dir: str | os.PathLike, cfg: FramesConfig, force: bool, strict: bool
) -> tuple[np.ndarray, str | None] | None:
    """The frames of ``video`` as ``cfg``'s variant, and the short-decode line (None: already complete)."""
    video, out_dir = Path(video), Path(out_dir)
    if not force and is_complete(out_dir, asdict(cfg)):
        return None
    clean_partials(out_dir.parent, out_dir.name)  # leftovers of a killed run of this video
    frames = read_video(video, max_frames=cfg.max_frames, min_frames=cfg.min_frames)
    note = check_decoded(video, len(frames), strict, limit=cfg.max_frames)
    return transform_frames(frames, cfg.variant, cfg.scale), note


def write_folder(
    video: str | os.PathLike,
    out_dir: str | os.PathLike,
    cfg: FramesConfig,
    frames: np.ndarray,
    flow: np.ndarray | None,
) -> None:
    """Write one video's folder atomically, its marker recording ``cfg``."""
    with atomic_folder(Path(out_dir), asdict(cfg)) as (tmp, info):
        info.update(write_rawframes(tmp, frames, flow, cfg), source=str(video))


def output_dir(out_root: str | os.PathLike, rel_path: str) -> Path:
    """``<out_root>/<Class>/<stem>`` for a dataset entry ``<Class>/<video>``."""
    p = PurePosixPath(rel_path)
    return Path(out_root).joinpath(*p.parent.parts, p.stem)


def write_sparse_rawframes(
    folder: Path,
    n_frames: int,
    frames: dict[int, np.ndarray],
    flows: dict[int, np.ndarray],
    cfg: FramesConfig,
) -> dict:
    """Write some frames (``index -> frame``, 0-based) and flows (``k -> flow k -> k+1``) of an ``n_frames``
    video under their usual numbers; the marker info records which are present (what a consumer reads)."""
    for i, f in frames.items():
        _imwrite(folder / protocol.IMG_TMPL.format(i + 1, ext=cfg.image_ext), f, cfg.jpeg_quality)
    for k, flow in flows.items():
        fq = quantize(flow[None], cfg.bound)[0]
        for c, axis in enumerate("xy"):
            _imwrite(
                folder / protocol.FLOW_TMPL.format(k + 1, axis=axis, ext="jpg"),
                fq[..., c],
                cfg.flow_jpeg_quality,
            )
    first = next(iter(frames.values()))
    return {
        "frames": int(n_frames),
        "flows": int(n_frames - 1) if flows else 0,
        "present_frames": sorted(int(i) for i in frames),
        "present_flows": sorted(int(k) for k in flows),
        "height": int(first.shape[0]),
        "width": int(first.shape[1]),
    }
