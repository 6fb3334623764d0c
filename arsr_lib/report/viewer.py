"""Side-by-side viewer of a test video through every method (notebook 06).

:class:`Catalogue` finds what is on disk: the rawframes datasets under ``data/rawframes``, their
videos, and the methods each has (LR, Bicubic, the SR methods of a profile, HR). :func:`render`
composes one frame of the chosen methods in the chosen view (frames, flow colour, error against
HR, SoSR weight map, actor mask) with an optional zoomed crop, as an RGB array; it holds all the
logic and is tested without a browser. :class:`arsr_lib.report.viewer_widget.Viewer` wires ipywidgets to it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from arsr_lib.core import protocol
from arsr_lib.core.atomic import atomic_path, read_marker
from arsr_lib.data.flow import dequantize, motion_weight_map
from arsr_lib.data.flowcolor import flow_to_color
from arsr_lib.data.rawframes import load_rawframes, read_rawframes
from arsr_lib.data.synth import load_ground_truth

VIEWS = ("frames", "flow colour", "error vs HR", "SoSR weight map", "actor mask")
LABEL_H = 14


@dataclass(frozen=True)
class Zoom:
    """A square crop of ``size`` HR pixels centred at (x, y) in [0, 1] of the frame, shown ``factor``
    times."""

    x: float = 0.5
    y: float = 0.5
    size: int = 24
    factor: int = 4

    def box(self, h: int, w: int) -> tuple[int, int, int]:
        """(x0, y0, side) of the crop in HR pixels."""
        s = max(4, min(self.size, h, w))
        return int(round(self.x * (w - s))), int(round(self.y * (h - s))), s


class Catalogue:
    """Rawframes on disk:
    ``<frames_root>/<dataset>/{hr,lr,bicubic,sr-<profile>/<Method>}/<Class>/<video>``."""

    def __init__(self, frames_root: str | Path, data_root: str | Path | None = None, profile: str = "smoke"):
        self.frames_root = Path(frames_root)
        self.data_root = Path(data_root) if data_root else self.frames_root.parent
        self.profile = profile
        if not self.frames_root.is_dir():
            raise FileNotFoundError(
                f"viewer: no rawframes folder {self.frames_root}; "
                "prepare the data first (`make reproduce`, or `arsr frames`)"
            )

    def datasets(self) -> list[str]:
        return sorted(p.name for p in self.frames_root.iterdir() if (p / "hr").is_dir())

    def videos(self, dataset: str) -> list[str]:
        """``Class/video`` of every complete HR rawframes folder that also has a complete LR one."""
        hr = self.frames_root / dataset / "hr"
        out = []
        for marker in sorted(hr.glob("*/*/.done.json")):
            rel = f"{marker.parent.parent.name}/{marker.parent.name}"
            if read_marker(self.frames_root / dataset / "lr" / rel) is not None:
                out.append(rel)
        if not out:
            raise FileNotFoundError(f"viewer: {hr} holds no video with complete HR and LR rawframes")
        return out

    def method_dirs(self, dataset: str) -> dict[str, Path]:
        base = self.frames_root / dataset
        out = {"LR": base / "lr", "Bicubic": base / "bicubic"}
        sr = base / f"sr-{self.profile}"
        if sr.is_dir():
            out.update({p.name: p for p in sorted(sr.iterdir()) if p.is_dir() and p.name != "Bicubic"})
        out["HR"] = base / "hr"
        return out

    def methods(self, dataset: str, video: str) -> list[str]:
        return [m for m, d in self.method_dirs(dataset).items() if read_marker(d / video) is not None]

    def load(self, dataset: str, method: str, video: str) -> tuple[np.ndarray, np.ndarray | None]:
        return _load(str(self.method_dirs(dataset)[method] / video))

    def masks(self, dataset: str, video: str) -> np.ndarray | None:
        """SynthActions actor masks (T,H,W) stored beside the source video, or None for real datasets."""
        gt = self.data_root / dataset / (video + ".gt.npz")
        if not gt.is_file():
            return None

        return load_ground_truth(gt.with_name(gt.name.replace(".gt.npz", ".avi")))["masks"]


@functools.lru_cache(maxsize=32)
def _load(folder: str):
    """Frames and flow of a rawframes folder; a sparse one (an SR method's test video, made only where the
    recognisers read it) has zero frames / flows where nothing was made."""
    meta = read_marker(folder)
    if meta is None or "present_frames" not in meta:
        return load_rawframes(folder, flow=True)
    first = read_rawframes(folder, "rgb", meta["present_frames"][:1], meta=meta)[0]
    frames = np.zeros((meta["frames"], *first.shape), np.uint8)
    frames[meta["present_frames"]] = read_rawframes(folder, "rgb", meta["present_frames"], meta=meta)
    flow = None
    if meta["present_flows"]:
        flow = np.zeros((meta["flows"], *first.shape[:2], 2), np.float32)
        quantised = read_rawframes(folder, "flow", meta["present_flows"], meta=meta)
        flow[meta["present_flows"]] = dequantize(quantised, meta["config"]["bound"])
    return frames, flow


def made_frames(folder: str | Path) -> set[int] | None:
    """The frame indices a sparse rawframes folder holds (None: every frame)."""
    meta = read_marker(folder)
    return None if meta is None or "present_frames" not in meta else set(meta["present_frames"])


def _heat(x: np.ndarray, vmax: float) -> np.ndarray:
    u8 = np.clip(x / max(vmax, 1e-6) * 255, 0, 255).astype(np.uint8)
    return cv2.applyColorMap(u8, cv2.COLORMAP_INFERNO)[..., ::-1]


def _note(h: int, w: int, text: str) -> np.ndarray:
    tile = np.full((h, w, 3), 60, np.uint8)
    cv2.putText(tile, text, (2, h // 2), cv2.FONT_HERSHEY_PLAIN, 0.8, (230, 230, 230), 1, cv2.LINE_AA)
    return tile


def tile(
    view: str,
    frames: np.ndarray,
    flow: np.ndarray | None,
    hr: np.ndarray,
    hr_flow: np.ndarray | None,
    t: int,
    masks: np.ndarray | None = None,
    flow_max: float | None = None,
) -> np.ndarray:
    """One method's panel at HR size (LR is shown with nearest-neighbour upscaling, pixel for pixel).

    Flow colours share one scale, ``flow_max`` px (the HR flow's largest vector of the frame by default)."""
    h, w = hr.shape[1:3]
    t = int(np.clip(t, 0, len(frames) - 1))
    img = frames[t]
    if img.shape[:2] != (h, w):
        img = cv2.resize(img, (w, h), interpolation=cv2.INTER_NEAREST)
    if view == "frames":
        return img
    if view == "flow colour":
        if flow is None or len(flow) == 0:
            return _note(h, w, "no flow")
        f = flow[min(t, len(flow) - 1)]
        if flow_max is None:
            flow_max = _flow_max(hr_flow, t) or protocol.FLOW_BOUND
        return flow_to_color(f, max_magnitude=flow_max)
    if view == "error vs HR":
        err = np.abs(img.astype(np.float32) - hr[min(t, len(hr) - 1)].astype(np.float32)).mean(-1)
        return _heat(err, 64.0)
    if view == "SoSR weight map":
        if hr_flow is None or len(hr_flow) == 0:
            return _note(h, w, "no HR flow")
        wmap = motion_weight_map(hr_flow[min(t, len(hr_flow) - 1)])
        heat = _heat(wmap, 1.0)
        return (0.45 * img + 0.55 * heat).astype(np.uint8)
    if view == "actor mask":
        if masks is None:
            return _note(h, w, "no mask")
        m = masks[min(t, len(masks) - 1)].astype(np.uint8)
        out = img.copy()
        contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(out, contours, -1, (0, 255, 0), 1)
        return out
    raise ValueError(f"viewer: unknown view {view!r}; choose from {VIEWS}")


def _flow_max(flow: np.ndarray | None, t: int) -> float | None:
    if flow is None or len(flow) == 0:
        return None
    return float(max(np.linalg.norm(flow[min(t, len(flow) - 1)], axis=-1).max(), 0.5))


def _label(img: np.ndarray, text: str) -> np.ndarray:
    bar = np.full((LABEL_H, img.shape[1], 3), 255, np.uint8)
    cv2.putText(bar, text, (2, LABEL_H - 3), cv2.FONT_HERSHEY_PLAIN, 0.8, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([bar, img], 0)


def render(
    cat: Catalogue,
    dataset: str,
    video: str,
    methods: list[str],
    view: str = "frames",
    t: int = 0,
    zoom: Zoom | None = None,
    scale: int = 2,
) -> np.ndarray:
    """The viewer's picture: one column per method (each ``scale`` x), the zoomed crop below when ``zoom``."""
    if view not in VIEWS:
        raise ValueError(f"viewer: unknown view {view!r}; choose from {VIEWS}")
    if not methods:
        return _note(60, 240, "choose at least one method")
    hr, hr_flow = cat.load(dataset, "HR", video)
    masks = cat.masks(dataset, video) if view == "actor mask" else None
    h, w = hr.shape[1:3]
    cols = []
    for m in methods:
        frames, flow = cat.load(dataset, m, video)
        made = made_frames(cat.method_dirs(dataset)[m] / video)
        if made is not None and int(np.clip(t, 0, len(frames) - 1)) not in made:
            p = _note(h, w, "not made: unread by the recognisers")
        else:
            p = tile(view, frames, flow, hr, hr_flow, t, masks, _flow_max(hr_flow, t))
        big = cv2.resize(p, (w * scale, h * scale), interpolation=cv2.INTER_NEAREST)
        parts = [big]
        if zoom is not None:
            x0, y0, s = zoom.box(h, w)
            crop = p[y0 : y0 + s, x0 : x0 + s]
            zw = w * scale  # the crop fills the column's width
            cv2.rectangle(
                big, (x0 * scale, y0 * scale), ((x0 + s) * scale - 1, (y0 + s) * scale - 1), (255, 255, 0), 1
            )
            parts.append(
                _label(cv2.resize(crop, (zw, zw), interpolation=cv2.INTER_NEAREST), f"zoom x{zw / s:.3g}")
            )
        parts[0] = _label(big, m)
        col = np.concatenate(parts, 0)
        cols.append(np.pad(col, ((0, 0), (0, 4), (0, 0)), constant_values=255))
    return np.concatenate(cols, 1)


def to_png(img: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(img[..., ::-1]))
    if not ok:
        raise RuntimeError("viewer: PNG encoding failed")
    return buf.tobytes()


def montage(
    cat: Catalogue,
    dataset: str,
    video: str,
    methods: list[str],
    t: int = 0,
    zoom: Zoom | None = None,
    views: tuple[str, ...] = VIEWS,
    scale: int = 2,
) -> np.ndarray:
    """Every view of one frame stacked (a static picture of what the viewer shows, for reports)."""
    rows = []
    for v in views:
        img = render(cat, dataset, video, methods, v, t, zoom if v == "frames" else None, scale)
        rows.append(_label(img, f"view: {v}"))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 6), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    return np.concatenate(rows, 0)


def save_png(img: np.ndarray, path: str | Path) -> Path:
    """Atomic PNG write of an RGB array."""

    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(to_png(img))
    return path
