"""Training data for SR: patch pairs (SoSR / VDSR / ESRGAN) and siamese frame pairs (ToSR).

HR frames come from lossless sources (the decoded videos, or PNG rawframes); LR is made per
patch with MATLAB bicubic x1/scale, as the authors did (``imresize`` of the HR patch stack).
Every random choice of a sample is seeded by ``(seed, index)``: the same index always gives the
same sample, which is what makes training resumable to the same weights.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from arsr_lib.core.atomic import write_json_atomic
from arsr_lib.core.cache import ByteLRU, DiskArrays
from arsr_lib.core.codekey import code_digest
from arsr_lib.data.degrade import imresize, modcrop
from arsr_lib.data.flow import compute_flow, motion_weight_map, warp
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
            (hr_stack,) = _augment([hr_stack], code)
            lr_stack = imresize(hr_stack, 1.0 / c.scale)
            return {
                "lr": _to_tensor(lr_stack if c.n_frames > 1 else lr_stack[0]),
                "hr": _to_tensor(hr_stack[half]),
            }
        flow = self.src.flow_between(v, t, t + 1)
        wmap = motion_weight_map(flow, c.weight_floor, reference=c.weight_ref)[
            y : y + c.patch, x : x + c.patch, None
        ]
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


def _mine_video(src: VideoSource, v: int, cfg: "PairConfig", pairs_per_video: int | None, seed: int):
    """The kept ``(t, y, x)`` patches of video ``v`` and how many the warp check excluded; the positions are
    drawn from ``(seed, v)``, so each video's pairs are the same whatever the others and the worker count."""
    rng = np.random.default_rng([seed, 7, v])
    half = cfg.n_frames // 2
    T = len(src.frames(v))
    ts = list(range(cfg.gap + half, T - half)) if cfg.n_frames > 1 else list(range(cfg.gap, T))
    if pairs_per_video and len(ts) > pairs_per_video:
        ts = sorted(rng.choice(ts, pairs_per_video, replace=False).tolist())
    kept, excluded = [], 0
    f = src.frames(v)
    c = cfg
    for t in ts:
        hr1, hr2 = f[t - c.gap], f[t]
        flow = src.flow_between(v, t - c.gap, t)
        H, W = hr1.shape[:2]
        if H < c.patch or W < c.patch:
            raise ValueError(f"{src.paths[v]}: frames {W}x{H} smaller than the ToSR patch {c.patch}")
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
        # the warp check warps the whole frame (as the authors' MATLAB filter): a sample that leaves a patch
        # but not the frame reads the frame there, not zero
        warped = warp(hr2.astype(np.float32), flow)[0] if c.warp_check and scored else None
        for _, y, x in scored:
            if c.warp_check:
                a = hr1[y : y + c.patch, x : x + c.patch].astype(np.float32)
                b = hr2[y : y + c.patch, x : x + c.patch].astype(np.float32)
                wb = warped[y : y + c.patch, x : x + c.patch]
                inner = (slice(m, c.patch - m), slice(m, c.patch - m))
                if np.mean((wb[inner] - a[inner]) ** 2) >= np.mean((b[inner] - a[inner]) ** 2):
                    excluded += 1
                    continue
            kept.append((int(t), int(y), int(x)))
    return kept, excluded


_WORKER_SOURCE: VideoSource | None = None


def _mine_job(args):
    v, cfg, pairs_per_video, seed, record = args
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    kept, excluded = _mine_video(_WORKER_SOURCE, v, cfg, pairs_per_video, seed)
    _WORKER_SOURCE._frames.clear()  # one video at a time per worker
    if record is not None:
        write_json_atomic(record, {"kept": kept, "excluded": excluded})
    return v, kept, excluded


def _init_worker(source):
    global _WORKER_SOURCE
    _WORKER_SOURCE = source


class ToSRPairDataset(torch.utils.data.Dataset):
    """Siamese samples ``{"lr1", "lr2", "hr1", "hr2", "flow"}`` for frames (t - gap, t).

    Candidate patches: at ``pairs_per_video`` positions t per video (all when None; the authors: 120), the
    ``top_k`` windows of a grid with the largest summed HR flow magnitude (flow from the earlier to the
    later frame); with ``warp_check`` a window is kept only when warping HR2 with the flow brings it closer
    to HR1 than HR2 unwarped. HR flow is computed for those pairs only. With a source that has a
    ``flow_cache``, the mining result of each video is recorded there too (keyed on the video, the mining
    settings and the code), so a re-run or a resumed run mines nothing twice; ``workers`` > 1 mines videos in
    parallel processes.
    """

    def __init__(
        self,
        source: VideoSource,
        cfg: PairConfig,
        pairs_per_video: int | None = None,
        seed: int = 0,
        augment: bool = True,
        workers: int = 1,
        progress: bool = False,
    ):
        from tqdm.auto import tqdm

        self.src, self.cfg, self.seed, self.augment = source, cfg, seed, augment
        self.items: list[tuple[int, int, int, int]] = []  # (video, t, y, x)
        self.excluded = 0
        settings = json.dumps([asdict(cfg), pairs_per_video, seed, code_digest("pairs")], sort_keys=True)
        tag = hashlib.sha256(settings.encode()).hexdigest()[:12]
        results: dict[int, tuple[list, int]] = {}
        todo = []
        for v in range(len(source)):
            record = None
            if source.flow_cache is not None:
                record = source.flow_cache / source.video_key(v) / f"pairs-{tag}.json"
                if record.is_file():
                    data = json.loads(record.read_text())
                    results[v] = ([tuple(k) for k in data["kept"]], int(data["excluded"]))
                    continue
            todo.append((v, cfg, pairs_per_video, seed, record))
        bar = tqdm(total=len(todo), desc="mine ToSR pairs", unit="video", disable=not progress)
        if workers > 1 and len(todo) > 1:
            with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(source,)) as pool:
                for v, kept, excluded in pool.map(_mine_job, todo):
                    results[v] = (kept, excluded)
                    bar.update()
        else:
            _init_worker(source)
            for job in todo:
                v, kept, excluded = _mine_job(job)
                results[v] = (kept, excluded)
                bar.update()
        bar.close()
        for v in range(len(source)):
            kept, excluded = results[v]
            self.items += [(v, t, y, x) for t, y, x in kept]
            self.excluded += excluded
        if not self.items:
            raise ValueError(
                f"ToSRPairDataset: no training pair survived mining in {len(source)} video(s): each needs at "
                f"least gap + n_frames = {cfg.gap + cfg.n_frames} frames (PairConfig.gap, n_frames), and"
                " motion that warping explains (warp_check)"
            )

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
