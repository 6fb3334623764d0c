"""Training data for SR: patch pairs (SoSR / VDSR / ESRGAN) and siamese frame pairs (ToSR).

HR frames come from lossless sources (the decoded videos, or PNG rawframes); LR is made per
patch with MATLAB bicubic x1/scale, as the authors did (``imresize`` of the HR patch stack).
Every random choice of a sample is seeded by ``(seed, index)``: the same index always gives the
same sample, which is what makes training resumable to the same weights.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from arsr_lib.degrade import imresize, modcrop
from arsr_lib.flow import compute_flow, motion_weight_map, warp
from arsr_lib.video import read_video, temporal_window


class VideoSource:
    """HR frames of a list of videos, decoded once and kept in memory (plus their HR flow, lazily)."""

    def __init__(
        self, paths: list[str | Path], scale: int = 4, flow_method: str = "dis", max_frames: int | None = None
    ):
        if not paths:
            raise ValueError("VideoSource: no videos given")
        self.paths = [Path(p) for p in paths]
        self.scale, self.flow_method, self.max_frames = scale, flow_method, max_frames

    def __len__(self):
        return len(self.paths)

    @functools.lru_cache(maxsize=None)
    def frames(self, i: int) -> np.ndarray:
        return modcrop(read_video(self.paths[i], max_frames=self.max_frames, min_frames=2), self.scale)

    @functools.lru_cache(maxsize=None)
    def flow(self, i: int) -> np.ndarray:
        """Forward HR flow t -> t+1, float32 (T-1, H, W, 2)."""
        return compute_flow(self.frames(i), self.flow_method)

    @functools.lru_cache(maxsize=None)
    def flow_between(self, i: int, t0: int, t1: int) -> np.ndarray:
        f = self.frames(i)
        return compute_flow(np.stack([f[t0], f[t1]]), self.flow_method)[0]


def _augment(arrs: list[np.ndarray], code: int, flow_idx: set[int] = frozenset()) -> list[np.ndarray]:
    """Apply the same flip / rot90 (``code`` 0..7) to HWC arrays; flow arrays get their vectors rotated
    too."""
    out = []
    for k, a in enumerate(arrs):
        is_flow = k in flow_idx
        if code & 1:  # horizontal flip
            a = a[..., :, ::-1, :] if a.ndim >= 3 else a[:, ::-1]
            if is_flow:
                a = a * np.array([-1, 1], np.float32)
        if code & 2:  # vertical flip
            a = a[..., ::-1, :, :] if a.ndim >= 3 else a[::-1]
            if is_flow:
                a = a * np.array([1, -1], np.float32)
        if code & 4:  # transpose (with the flips: all 8 rotations / reflections)
            a = np.swapaxes(a, -3, -2) if a.ndim >= 3 else a.T
            if is_flow:
                a = a[..., ::-1]
        out.append(np.ascontiguousarray(a))
    return out


def _to_tensor(img: np.ndarray) -> torch.Tensor:
    """uint8 (..., H, W, 3) -> float (..., 3, H, W) in [0, 1]."""
    t = torch.from_numpy(np.ascontiguousarray(img)).float() / 255.0
    return t.movedim(-1, -3)


@dataclass
class PatchConfig:
    patch: int = 32  # HR patch side (LR = patch / scale)
    scale: int = 4
    augment: bool = True
    weight_floor: float = 0.1
    n_frames: int = 1  # 7 for DUF: LR windows around the centre frame


class SRPatchDataset(torch.utils.data.Dataset):
    """``{"lr", "hr", "weight"}`` samples: a random HR patch of a random frame, its LR, its motion weight map.

    With ``n_frames > 1`` the LR is a ``(T, 3, h, w)`` window centred on the frame (zero frames beyond
    the ends, as at DUF inference).
    """

    def __init__(self, source: VideoSource, cfg: PatchConfig, length: int = 10_000, seed: int = 0):
        self.src, self.cfg, self.length, self.seed = source, cfg, length, seed

    def __len__(self):
        return self.length

    def __getitem__(self, idx: int) -> dict:
        c = self.cfg
        rng = np.random.default_rng([self.seed, idx])
        v = int(rng.integers(len(self.src)))
        frames = self.src.frames(v)
        T, H, W = frames.shape[:3]
        if H < c.patch or W < c.patch:
            raise ValueError(f"{self.src.paths[v]}: frames {H}x{W} smaller than the patch {c.patch}")
        t = int(rng.integers(T - 1))
        y = int(rng.integers(H - c.patch + 1)) // c.scale * c.scale
        x = int(rng.integers(W - c.patch + 1)) // c.scale * c.scale
        half = c.n_frames // 2
        hr_stack = temporal_window(frames, t, c.n_frames)[:, y : y + c.patch, x : x + c.patch]
        wmap = motion_weight_map(self.src.flow(v)[t], c.weight_floor)[y : y + c.patch, x : x + c.patch, None]
        code = int(rng.integers(8)) if c.augment else 0
        hr_stack, wmap = _augment([hr_stack, wmap], code)
        lr_stack = imresize(hr_stack, 1.0 / c.scale)
        lr = _to_tensor(lr_stack if c.n_frames > 1 else lr_stack[0])
        return {"lr": lr, "hr": _to_tensor(hr_stack[half]), "weight": torch.from_numpy(wmap[..., 0].copy())}


@dataclass
class PairConfig:
    patch: int = 32
    scale: int = 4
    gap: int = 2  # (t - gap, t), as the authors' data
    n_frames: int = 7  # 1 for single-frame backbones (VDSR)
    top_k: int = 10
    stride: tuple[int, int] = (10, 8)  # (x, y) grid stride; the authors used (40, 30) for 128 patches
    margin: int = 2  # ignored border when scoring and checking; the authors used 10 for 128 patches
    warp_check: bool = True


class ToSRPairDataset(torch.utils.data.Dataset):
    """Siamese samples ``{"lr1", "lr2", "hr1", "hr2", "flow"}`` for frames (t - gap, t).

    Candidate patches: per frame pair, the ``top_k`` windows of a grid with the largest summed HR
    flow magnitude (flow from the earlier to the later frame); with ``warp_check`` a window is kept
    only when warping HR2 with the flow brings it closer to HR1 (PSNR) than HR2 unwarped.
    """

    def __init__(
        self,
        source: VideoSource,
        cfg: PairConfig,
        pairs_per_video: int | None = None,
        seed: int = 0,
        augment: bool = True,
    ):
        self.src, self.cfg, self.seed, self.augment = source, cfg, seed, augment
        self.items: list[tuple[int, int, int, int]] = []  # (video, t, y, x)
        self.excluded = 0
        rng = np.random.default_rng([seed, 7])
        half = cfg.n_frames // 2
        for v in range(len(source)):
            T = len(source.frames(v))
            ts = list(range(cfg.gap + half, T - half)) if cfg.n_frames > 1 else list(range(cfg.gap, T))
            if pairs_per_video and len(ts) > pairs_per_video:
                ts = sorted(rng.choice(ts, pairs_per_video, replace=False).tolist())
            for t in ts:
                self._mine(v, t, rng)
        if not self.items:
            raise ValueError(
                "ToSRPairDataset: no training pair survived mining (videos too short or static?)"
            )

    def _mine(self, v: int, t: int, rng) -> None:
        c = self.cfg
        f = self.src.frames(v)
        hr1, hr2 = f[t - c.gap], f[t]
        flow = self.src.flow_between(v, t - c.gap, t)
        H, W = hr1.shape[:2]
        mag = np.linalg.norm(flow, axis=-1)
        m = c.margin
        oy, ox = int(rng.integers(0, max(1, c.stride[1]))), int(rng.integers(0, max(1, c.stride[0])))
        ys = list(range(min(oy, H - c.patch), H - c.patch + 1, c.stride[1]))
        xs = list(range(min(ox, W - c.patch), W - c.patch + 1, c.stride[0]))
        scored = []
        for y in ys:
            for x in xs:
                y, x = y // c.scale * c.scale, x // c.scale * c.scale
                scored.append((float(mag[y + m : y + c.patch - m, x + m : x + c.patch - m].sum()), y, x))
        scored = sorted(set(scored), key=lambda s: (-s[0], s[1], s[2]))[: c.top_k]
        for _, y, x in scored:
            if c.warp_check:
                a = hr1[y : y + c.patch, x : x + c.patch].astype(np.float32)
                b = hr2[y : y + c.patch, x : x + c.patch].astype(np.float32)
                wb, _ = warp(b, flow[y : y + c.patch, x : x + c.patch])
                inner = (slice(m, c.patch - m), slice(m, c.patch - m))
                if np.mean((wb[inner] - a[inner]) ** 2) >= np.mean((b[inner] - a[inner]) ** 2):
                    self.excluded += 1
                    continue
            self.items.append((v, t, y, x))

    def __len__(self):
        return len(self.items) * (
            8 if self.augment else 1
        )  # every pair under each of the 8 flips / rotations

    def __getitem__(self, idx: int) -> dict:
        c = self.cfg
        v, t, y, x = self.items[idx % len(self.items)]
        frames = self.src.frames(v)
        half = c.n_frames // 2

        def window(centre):
            return temporal_window(frames, centre, c.n_frames)[:, y : y + c.patch, x : x + c.patch]

        w1, w2 = window(t - c.gap), window(t)
        flow = self.src.flow_between(v, t - c.gap, t)[y : y + c.patch, x : x + c.patch]
        code = (idx // len(self.items)) % 8 if self.augment else 0
        w1, w2, flow = _augment([w1, w2, flow], code, flow_idx={2})
        lr1, lr2 = imresize(w1, 1.0 / c.scale), imresize(w2, 1.0 / c.scale)
        pick = (lambda a: a) if c.n_frames > 1 else (lambda a: a[0])
        return {
            "lr1": _to_tensor(pick(lr1)),
            "lr2": _to_tensor(pick(lr2)),
            "hr1": _to_tensor(w1[half]),
            "hr2": _to_tensor(w2[half]),
            "flow": torch.from_numpy(flow.copy()),
        }
