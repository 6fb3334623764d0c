"""The SR test frames the recognisers read: for each test video and SR method, only the frames the test
protocol reads are super-resolved (the spatial stream's snippet frames; for a method the temporal stream
reads, also the frame pairs of its flows, whose flow is computed from the SR frames) and written as a sparse
rawframes folder, atomically, keyed on the SR checkpoint, the protocol and the code. Which methods' flow is
read: the study (:meth:`arsr_lib.config.study.Study.flow_consumers`)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from arsr_lib.config import Experiment
from arsr_lib.config.seeds import base_name, is_variant
from arsr_lib.config.study import Study
from arsr_lib.core.atomic import MARKER, atomic_folder, files_tag, is_complete
from arsr_lib.core.cache import ByteLRU
from arsr_lib.core.codekey import code_digest
from arsr_lib.core.devices import Runtime, runtime
from arsr_lib.core.pools import process_pool
from arsr_lib.core.shards import Shard, shard_of
from arsr_lib.data.datasets import SplitDataset, VideoItem
from arsr_lib.data.degrade import downscale
from arsr_lib.data.flow import TORCH_FLOW_BATCH, compute_flow, flow_device, pair_flows
from arsr_lib.data.frames import FramesConfig, output_dir, write_sparse_rawframes
from arsr_lib.data.rawframes import rawframes_info
from arsr_lib.data.snippets import protocol_frames
from arsr_lib.data.video import iter_frames
from arsr_lib.sr.inference import load_sr_model, super_resolve_indices
from arsr_lib.sr.sreval import checkpoint_digest

STREAMS_BOTH = ("rgb", "flow")


def method_streams(methods: list[str], study: Study) -> dict[str, tuple[str, ...]]:
    """The streams that consume each method's frames: every method feeds the spatial stream; the flow of only
    those the study's temporal tables, pairings and comparisons read is computed. A seed variant (``SoSR@1``)
    is read by the claims alone: only the streams they read of its method are made."""
    temporal = study.flow_consumers()
    out: dict[str, tuple[str, ...]] = {}
    for m in methods:
        if is_variant(m):
            out[m] = study.claim_streams(base_name(m))
        else:
            out[m] = STREAMS_BOTH if m in temporal else ("rgb",)
    return out


@dataclass(frozen=True)
class ConsumedFrames:
    """What is made of one SR method's test video: the frames and flows the test protocol reads."""

    snippets: int
    new_length: int
    streams: tuple[str, ...]
    frames: FramesConfig  # image format, flow method and bound, the rawframes code

    def config(self, source_tag: str) -> dict:
        """The marker config of a video folder: the frames config, what is consumed, the source, the code."""
        consumed = {"snippets": self.snippets, "new_length": self.new_length, "streams": list(self.streams)}
        return {
            **asdict(self.frames),
            **consumed,
            "source_tag": source_tag,
            "code_sr": code_digest("sr_frames"),
        }

    def indices(self, n_frames: int) -> tuple[list[int], list[int]]:
        """(RGB frame indices, flow indices) the protocol reads of an ``n_frames`` video."""
        return protocol_frames(n_frames, self.snippets, self.new_length, "flow" in self.streams)


@dataclass(frozen=True)
class SRMethod:
    """One SR method to apply: its name, its checkpoint (a ``final.pt``, a pretrained model's name, or None
    for bicubic) and the rawframes root its test frames go to."""

    name: str
    checkpoint: str | Path | None
    root: Path


def protocol_sr_frames(
    model: nn.Module | None,
    frame: Callable[[int], np.ndarray],
    n_frames: int,
    consumed: ConsumedFrames,
    rt: Runtime,
    batch: int = 16,
) -> tuple[dict[int, np.ndarray], dict[int, tuple[np.ndarray, np.ndarray]]]:
    """The frames the test protocol reads of an ``n_frames`` video whose frame ``i`` is ``frame(i)``,
    super-resolved by ``model`` (None: as they are): (RGB frames by index, flow frame pairs by flow index).
    The one path from an SR method to the frames a recogniser reads: the harness and ``arsr recognize``."""
    rgb, flows = consumed.indices(n_frames)
    needed = set(rgb) | {k for f in flows for k in (f, f + 1)}
    if model is None:
        out = {i: frame(i) for i in needed}
    else:
        out = super_resolve_indices(
            model, frame, n_frames, needed, batch=batch, device=rt.device, amp=rt.bf16
        )
    return {i: out[i] for i in rgb}, {k: (out[k], out[k + 1]) for k in flows}


def write_protocol_frames(
    out_dir: Path,
    conf: dict,
    n_frames: int,
    frames: dict[int, np.ndarray],
    pairs: dict[int, tuple[np.ndarray, np.ndarray]],
    cfg: FramesConfig,
    flows: dict[int, np.ndarray] | None = None,
) -> str:
    """Write what :func:`protocol_sr_frames` made as a sparse rawframes folder, atomically, with ``conf`` as
    its marker: the frames, and the flow of each pair by ``cfg``'s flow method (``flows``: already computed,
    by :func:`device_flows` on the device)."""
    cv2.setNumThreads(1)
    method = cfg.flow_method
    if pairs and method is None:
        raise ValueError(
            f"write_protocol_frames: {out_dir}: flow pairs given but the frames config has no flow"
        )
    if flows is None:
        flows = {k: compute_flow(np.stack([a, b]), str(method))[0] for k, (a, b) in pairs.items()}
    with atomic_folder(out_dir, conf) as (tmp, info):
        info.update(write_sparse_rawframes(tmp, n_frames, frames, flows, cfg))
    return str(out_dir)


def device_flows(
    pairs: dict[int, tuple[np.ndarray, np.ndarray]], method: str, device: str | torch.device, batch: int
) -> dict[int, np.ndarray]:
    """The flow of each pair computed here, batched on ``device`` (the torch TV-L1 on a GPU), before the
    frames go to the writing workers."""
    keys = sorted(pairs)
    return dict(zip(keys, pair_flows([pairs[k] for k in keys], method, device, batch)))


def _write_method_video(args: tuple) -> str:
    return write_protocol_frames(*args)


def _lr_frames(
    video: str | Path, needed: set[int], max_frames: int | None, cache: ByteLRU | None = None
) -> dict[int, np.ndarray]:
    """LR (x1/4 MATLAB bicubic) of the frames ``needed`` of a video, decoding no further than the last one
    that ``cache`` (shared by the SR methods, which read the same videos' frames) does not hold."""
    out: dict[int, np.ndarray] = {}
    if cache is not None:
        for i in needed:
            frame = cache.peek((str(video), max_frames, i))
            if frame is not None:
                out[i] = frame
    missing = set(needed) - set(out)
    if not missing:
        return out
    last = max(missing)
    for i, frame in enumerate(iter_frames(video, max_frames)):
        if i in missing:
            out[i] = downscale(frame)
            out[i].flags.writeable = False
            if cache is not None:
                cache.put((str(video), max_frames, i), out[i])
        if i >= last:
            break
    return out


class _Writer:
    """Flow and writing of the SR frames in ``workers`` processes (inline with fewer than 2), with at most
    ``2 * workers`` videos' frames in flight."""

    def __init__(self, workers: int, spawn: bool):
        self.workers = workers
        self.pool = process_pool(workers, spawn) if workers > 1 else None
        self.pending: list[Future] = []

    def submit(self, job: tuple) -> None:
        if self.pool is None:
            _write_method_video(job)
            return
        self.pending.append(self.pool.submit(_write_method_video, job))
        while len(self.pending) > 2 * self.workers:
            self.pending.pop(0).result()

    def finish(self) -> None:
        for fut in self.pending:
            fut.result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _sr_of_video(ds, it, model, hr_root, consumed, rt, batch, lr_cache) -> tuple[int, dict, dict]:
    """SR of the frames one test video's protocol reads: (frame count, RGB frames, flow frame pairs)."""
    half = getattr(model, "n_frames", 1) // 2
    n_frames = rawframes_info(output_dir(hr_root, it.rel_path))["frames"]
    rgb, flows = consumed.indices(n_frames)
    needed = set(rgb) | {k for f in flows for k in (f, f + 1)}
    windows = {j for c in needed for j in range(c - half, c + half + 1) if 0 <= j < n_frames}
    lr = _lr_frames(ds.path(it), windows, ds.max_frames, lr_cache)
    if len(lr) < len(windows):
        raise ValueError(
            f"{ds.path(it)}: decodes {len(lr)} of the frames its HR rawframes count ({n_frames})"
        )
    frames, pairs = protocol_sr_frames(model, lr.__getitem__, n_frames, consumed, rt, batch)
    return n_frames, frames, pairs


def make_method_frames(
    ds: SplitDataset,
    items: list[VideoItem],
    method: SRMethod,
    hr_root: str | Path,
    consumed: ConsumedFrames,
    rt: Runtime,
    batch: int = 16,
    progress: bool = True,
    lr_cache: ByteLRU | None = None,
    flow_batch: int = TORCH_FLOW_BATCH,
) -> str:
    """Sparse rawframes of SR ``method`` for ``items`` (what ``consumed`` says the protocol reads; the frame
    count comes from the HR rawframes). Returns the method's source tag. SR runs on ``rt.device``; flow and
    writing in ``rt.workers`` processes (the torch TV-L1 on a GPU: flow on the device, ``flow_batch`` pairs
    per launch, writing in the workers); each video folder is written atomically and skipped when complete for
    this config. ``lr_cache`` keeps LR frames for the next method (the same frames either way)."""
    from tqdm.auto import tqdm

    tag = f"{checkpoint_digest(method.checkpoint)}-{code_digest('sr_frames')}-{'+'.join(consumed.streams)}"
    conf = consumed.config(tag)
    todo = [it for it in items if not is_complete(output_dir(method.root, it.rel_path), conf)]
    if not todo:
        return tag
    model = load_sr_model(method.checkpoint or "bicubic", device=str(rt.device))
    flow_method = consumed.frames.flow_method
    on_device = flow_device(flow_method, rt.device)
    writer = _Writer(rt.workers, spawn=flow_method == "tvl1_torch" and on_device is None)
    try:
        for it in tqdm(todo, desc=f"SR frames {method.name}", disable=not progress, unit="video"):
            n_frames, frames, pairs = _sr_of_video(ds, it, model, hr_root, consumed, rt, batch, lr_cache)
            out_dir = output_dir(method.root, it.rel_path)
            flows = None
            if on_device is not None and pairs:  # the workers then get the flow, not the frame pairs
                flows, pairs = device_flows(pairs, str(flow_method), on_device, flow_batch), {}
            writer.submit((out_dir, conf, n_frames, frames, pairs, consumed.frames, flows))
        writer.finish()
    finally:
        writer.close()
    return tag


def prepare_method_frames(
    exp: Experiment, ds: SplitDataset, methods: dict, progress: bool = True, shard: Shard = (1, 1)
) -> tuple[dict, dict, dict]:
    """Rawframes roots, source tags and consumed streams of HR, Bicubic and each SR method (the SR methods'
    frames made where missing, for shard ``(k, n)`` of the test videos)."""
    hr_root, bicubic_root = exp.frames_root("hr"), exp.frames_root("bicubic")
    roots = {"HR": Path(hr_root), "Bicubic": Path(bicubic_root)}
    # the baselines' tags follow their rawframes (a regenerated dataset re-scores them)
    tags = {
        k: f"{k.lower()}-" + files_tag([output_dir(r, i.rel_path) / MARKER for i in ds.test])
        for k, r in roots.items()
    }
    streams = method_streams(["HR", "Bicubic", *methods], exp.study)
    streams["HR"] = streams["Bicubic"] = STREAMS_BOTH
    frames_cfg = FramesConfig(variant="hr", flow_method=exp.data.flow_method)
    items = [ds.test[i] for i in shard_of(len(ds.test), shard)]
    lr_cache = ByteLRU(exp.compute.cache_mb << 20)  # LR test frames, decoded once for all the methods
    rt = runtime(exp.compute.device, exp.compute.bf16_inference, exp.data.workers)
    rec = exp.recognition
    for name, ckpt in methods.items():
        if ckpt is None:
            continue
        consumed = ConsumedFrames(rec.test_snippets, rec.new_length, streams[name], frames_cfg)
        method = SRMethod(name, ckpt, exp.frames_root("sr") / name)
        tags[name] = make_method_frames(
            ds,
            items,
            method,
            hr_root,
            consumed,
            rt,
            progress=progress,
            lr_cache=lr_cache,
            flow_batch=exp.compute.flow_batch,
        )
        roots[name] = method.root
    return roots, tags, streams
