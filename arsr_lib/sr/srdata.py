"""Training data for SR: patch pairs (SoSR / VDSR / ESRGAN) and siamese frame pairs (ToSR).

HR frames come from lossless sources (the decoded videos, or PNG rawframes); LR is made per
patch with MATLAB bicubic x1/scale, as the authors did (``imresize`` of the HR patch stack).
Every random choice of a sample is seeded by ``(seed, index)``: the same index always gives the
same sample, which is what makes training resumable to the same weights.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import torch

from arsr_lib.core.cache import ByteLRU, DiskArrays
from arsr_lib.core.codekey import code_digest
from arsr_lib.data.degrade import imresize, modcrop
from arsr_lib.data.flow import compute_flow, motion_weight_map, pair_flows
from arsr_lib.data.video import read_video, temporal_window

DEFAULT_CACHE_BYTES = 512 << 20
FLOW_DTYPE = np.float16  # HR flow of training pairs as cached (and used, whether cached or not)


class VideoSource:
    """HR frames of a list of videos, decoded when a sample needs them and kept in an LRU with a byte budget,
    and the HR flow of the frame pairs that samples use, computed once and kept on disk under ``flow_cache``
    (in a small in-memory LRU without one). Memory does not grow with the number of videos."""

    def __init__(
        self,
        paths: list[str | Path],
        scale: int = 4,
        flow_method: str = "dis",
        max_frames: int | None = None,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        flow_cache: str | Path | None = None,
    ):
        if not paths:
            raise ValueError("VideoSource: no videos given")
        self.paths = [Path(p) for p in paths]
        self.scale, self.flow_method, self.max_frames = scale, flow_method, max_frames
        self._frames = ByteLRU(cache_bytes)
        self._flows = ByteLRU(max(1, cache_bytes // 4))
        self.flow_cache = Path(flow_cache) if flow_cache else None
        self._disk = DiskArrays(self.flow_cache, FLOW_DTYPE) if self.flow_cache else None
        self._keys: dict[int, str] = {}

    def __len__(self):
        return len(self.paths)

    def frames(self, i: int) -> np.ndarray:
        return self._frames.get(
            i,
            lambda: modcrop(read_video(self.paths[i], max_frames=self.max_frames, min_frames=2), self.scale),
        )

    def video_key(self, i: int) -> str:
        """Identifies video ``i``'s HR frames and flow: file, size, time, frame cap, scale, flow code
        (computed once per video: every sample reads it)."""
        if i not in self._keys:
            self._keys[i] = self._video_key(i)
        return self._keys[i]

    def _video_key(self, i: int) -> str:
        st = os.stat(self.paths[i])
        text = f"{self.paths[i].resolve()}|{st.st_size}|{st.st_mtime_ns}|{self.max_frames}|{self.scale}"
        text += f"|{self.flow_method}|{code_digest('flow')}"
        return f"{self.paths[i].stem}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"

    def flow_between(self, i: int, t0: int, t1: int) -> np.ndarray:
        """HR flow from frame ``t0`` to ``t1`` of video ``i``, float32 (H, W, 2) (values as cached, fp16)."""

        def make():
            f = self.frames(i)
            return compute_flow(np.stack([f[t0], f[t1]]), self.flow_method)[0].astype(FLOW_DTYPE)

        if self._disk is not None:
            return self._disk.get(self.video_key(i), f"{t0}-{t1}", make).astype(np.float32)
        return self._flows.get((i, t0, t1), make).astype(np.float32)

    def warm_flows(
        self,
        gaps: tuple[int, ...],
        device: str | torch.device,
        batch: int,
        videos: list[int] | None = None,
        progress: bool = False,
    ) -> int:
        """Compute into the disk cache, on ``device`` (the torch TV-L1 on a GPU), the HR flow of every
        frame pair ``(t - g, t)`` of ``videos`` (indices; None: all) for each gap ``g`` that the cache lacks,
        ``batch`` pairs per launch; returns how many were computed. Training then reads them (its DataLoader
        workers on the CPU would otherwise compute each one as a sample first needs it). The frames are
        decoded into this source's frame cache, one video at a time, where training finds them."""
        from tqdm.auto import tqdm

        if self._disk is None or self.flow_cache is None:
            raise ValueError("VideoSource.warm_flows: the source has no flow_cache to warm")
        made = 0
        chosen = range(len(self)) if videos is None else videos
        for i in tqdm(chosen, desc="HR flow of SR training pairs", unit="video", disable=not progress):
            key = self.video_key(i)
            frames = self.frames(i)
            todo = [
                (t - g, t)
                for g in gaps
                for t in range(g, len(frames))
                if not self._disk.path(key, f"{t - g}-{t}").is_file()
            ]
            for start in range(0, len(todo), batch):
                chunk = todo[start : start + batch]
                flows = pair_flows(
                    [(frames[a], frames[b]) for a, b in chunk], self.flow_method, device, batch
                )
                for (a, b), flow in zip(chunk, flows):
                    self._disk.get(key, f"{a}-{b}", partial(np.asarray, flow, FLOW_DTYPE))
                made += len(chunk)
        return made


def augment(arrs: list[np.ndarray], code: int, flow_idx: AbstractSet[int] = frozenset()) -> list[np.ndarray]:
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


def to_tensor(img: np.ndarray) -> torch.Tensor:
    """uint8 (..., H, W, 3) -> float (..., 3, H, W) in [0, 1]."""
    t = torch.from_numpy(np.ascontiguousarray(img)).float() / 255.0
    return t.movedim(-1, -3)


@dataclass
class PatchConfig:
    patch: int = 32  # HR patch side (LR = patch / scale)
    scale: int = 4
    augment: bool = True
    weight_floor: float = 0.1
    weight_ref: float | None = None  # px of weight 1 (None: each frame's 99th-percentile flow magnitude)
    n_frames: int = 1  # 7 for DUF: LR windows around the centre frame
    weighted: bool = True  # the motion weight map (HR flow) only where the loss reads it (SoSR)


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
        code = int(rng.integers(8)) if c.augment else 0
        if not c.weighted:
            (hr_stack,) = augment([hr_stack], code)
            lr_stack = imresize(hr_stack, 1.0 / c.scale)
            return {
                "lr": to_tensor(lr_stack if c.n_frames > 1 else lr_stack[0]),
                "hr": to_tensor(hr_stack[half]),
            }
        flow = self.src.flow_between(v, t, t + 1)
        wmap = motion_weight_map(flow, c.weight_floor, reference=c.weight_ref)[
            y : y + c.patch, x : x + c.patch, None
        ]
        hr_stack, wmap = augment([hr_stack, wmap], code)
        lr_stack = imresize(hr_stack, 1.0 / c.scale)
        lr = to_tensor(lr_stack if c.n_frames > 1 else lr_stack[0])
        return {"lr": lr, "hr": to_tensor(hr_stack[half]), "weight": torch.from_numpy(wmap[..., 0].copy())}


_WORKER_SOURCE: VideoSource | None = None
