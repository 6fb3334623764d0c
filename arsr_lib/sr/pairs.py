"""ToSR's siamese training pairs: two frames of a video ``gap`` apart, patches mined on a grid where the HR
flow moves most (the authors' top-k mining), mined in parallel, recorded per video and reused; each sample
carries both LR patches, both HR patches and the HR flow between them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import cv2
import numpy as np
import torch

from arsr_lib.core.atomic import write_json_atomic
from arsr_lib.core.codekey import code_digest
from arsr_lib.core.pools import process_pool
from arsr_lib.data.degrade import imresize
from arsr_lib.data.flow import warp
from arsr_lib.data.video import temporal_window
from arsr_lib.sr.srdata import VideoSource, augment, to_tensor


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
            if warped is not None:  # c.warp_check
                a = hr1[y : y + c.patch, x : x + c.patch].astype(np.float32)
                b = hr2[y : y + c.patch, x : x + c.patch].astype(np.float32)
                wb = warped[y : y + c.patch, x : x + c.patch]
                inner = (slice(m, c.patch - m), slice(m, c.patch - m))
                if np.mean((wb[inner] - a[inner]) ** 2) >= np.mean((b[inner] - a[inner]) ** 2):
                    excluded += 1
                    continue
            kept.append((int(t), int(y), int(x)))
    return kept, excluded


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
            spawn = source.flow_method == "tvl1_torch"
            with process_pool(workers, spawn, initializer=_init_worker, initargs=(source,)) as pool:
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
        w1, w2, flow = augment([w1, w2, flow], code, flow_idx={2})
        lr1, lr2 = imresize(w1, 1.0 / c.scale), imresize(w2, 1.0 / c.scale)
        pick = (lambda a: a) if c.n_frames > 1 else (lambda a: a[0])
        return {
            "lr1": to_tensor(pick(lr1)),
            "lr2": to_tensor(pick(lr2)),
            "hr1": to_tensor(w1[half]),
            "hr2": to_tensor(w2[half]),
            "flow": torch.from_numpy(flow.copy()),
        }
