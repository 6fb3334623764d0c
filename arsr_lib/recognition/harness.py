"""The evaluation harness: recognisers trained on HR, applied to every SR method's output.

For each test video and method (HR, Bicubic and every SR recipe): the LR test frames that the test protocol
reads are super-resolved (the spatial stream's snippet frames; for a method the temporal stream reads, also
the frame pairs of its flows, whose flow is computed from the SR frames), written as a sparse rawframes
folder, and each stream is scored with the test protocol. Scores are cached per (method, recogniser, stream)
under a key of everything they depend on (recogniser weights, the SR checkpoint digest, the protocol, the
video list, the code) and recomputed only when that changes. A harness can take a shard ``(k, n)`` of the test
videos: SR frames and scores of its share alone, kept as shard files that an unsharded harness merges (``arsr
evaluate``). Tables over the scores: :mod:`arsr_lib.recognition.tables`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from arsr_lib.config import Experiment, RecognitionConfig
from arsr_lib.core import protocol as pinned
from arsr_lib.core.atomic import (
    MARKER,
    atomic_folder,
    atomic_path,
    file_digest,
    files_tag,
    is_complete,
    write_json_atomic,
)
from arsr_lib.core.cache import ByteLRU
from arsr_lib.core.codekey import code_digest
from arsr_lib.core.devices import gpu_bf16, resolve_device
from arsr_lib.data.degrade import downscale
from arsr_lib.data.flow import compute_flow
from arsr_lib.data.frames import FramesConfig, output_dir, parse_shard, rawframes_info, write_sparse_rawframes
from arsr_lib.data.video import iter_frames
from arsr_lib.models.pretrained import is_pretrained
from arsr_lib.recognition.clips import protocol_frames, score_videos
from arsr_lib.recognition.tables import flow_consumers
from arsr_lib.recognition.training import Recognisers, load_recogniser
from arsr_lib.sr.inference import load_sr_model, super_resolve_indices
from arsr_lib.sr.recipes import method_checkpoints
from arsr_lib.sr.sreval import checkpoint_digest

STREAMS_BOTH = ("rgb", "flow")


def method_streams(methods) -> dict[str, tuple[str, ...]]:
    """The streams that consume each method's frames: every method feeds the spatial stream; the flow of only
    those the temporal tables and the pairings read is computed (SoSR's flow is never read)."""
    temporal = flow_consumers()
    return {m: STREAMS_BOTH if m in temporal else ("rgb",) for m in methods}


def shard_of(n_items: int, shard: tuple[int, int]) -> list[int]:
    """Indices of the items shard ``(k, n)`` (1-based k) takes: every n-th, starting at k - 1."""
    k, n = shard
    return [i for i in range(n_items) if i % n == k - 1]


def torchrun_shard() -> tuple[int, int] | None:
    """``(rank + 1, world)`` under torchrun, else None."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    return (int(os.environ.get("RANK", "0")) + 1, world) if world > 1 else None


@dataclass
class Harness:
    experiment: str  # the experiment's name (printed beside every number)
    ds: object  # SplitDataset
    frames_roots: dict  # method -> rawframes root
    tags: dict  # method -> source tag (SR checkpoint digest, code, streams)
    recognisers: Mapping  # kind -> final.pt (rectrain.Recognisers: each trained when first scored)
    cache_dir: Path
    recognition: RecognitionConfig
    flow_method: str = "dis"
    streams: dict = field(default_factory=dict)  # method -> the streams its frames were made for
    device: str = "cpu"
    bf16: bool = False
    workers: int = 0  # DataLoader workers reading the test inputs while a recogniser scores
    shard: tuple[int, int] = (1, 1)  # this process's share of the test videos (k, n)

    def protocol(self) -> dict:
        r = self.recognition
        return {
            "flow": self.flow_method,
            "bound": int(pinned.FLOW_BOUND),
            "snippets": r.test_snippets,
            "crops": r.test_crops,
            "crop": r.crop,
            "new_length": r.new_length,
            "fusion rgb:flow": r.fusion,
            "profile": self.experiment,
        }

    def folders(self, method: str) -> list[str]:
        return [str(output_dir(self.frames_roots[method], i.rel_path)) for i in self.ds.test]

    def has_stream(self, method: str, stream: str) -> bool:
        return stream in self.streams.get(method, STREAMS_BOTH)

    def _check_streams(self, stream: str, method: str, flow_source: str) -> None:
        needs = {
            "rgb": [(method, "rgb")],
            "flow": [(method, "flow")],
            "both": [(method, "rgb"), (flow_source, "flow")],
        }
        for m, s in needs[stream]:
            if not self.has_stream(m, s):
                raise ValueError(
                    f"{m}'s frames were made for the {'/'.join(self.streams[m])} stream only: no {s} input "
                    "(harness.method_streams decides which streams read each method)"
                )

    def _cache_key(self, kind: str, stream: str, method: str, flow_source: str) -> dict:
        videos = hashlib.sha256("\n".join(i.rel_path for i in self.ds.test).encode()).hexdigest()[:16]
        return {
            "kind": kind,
            "stream": stream,
            "method": method,
            "flow_from": flow_source,
            "tag": self.tags.get(method),
            "flow_tag": self.tags.get(flow_source),
            "rec": file_digest(self.recognisers[kind]),
            "protocol": self.protocol(),
            "videos": videos,
            "code": code_digest("scores"),
            "precision": "bf16" if gpu_bf16(resolve_device(self.device), self.bf16) else "fp32",
        }

    @staticmethod
    def _name(kind, stream, method, flow_source) -> str:
        return f"{kind}-{stream}-{method}" + (f"-{flow_source}" if flow_source != method else "")

    def _load(self, path: Path, key: dict) -> np.ndarray | None:
        meta = path.with_suffix(".json")
        if path.is_file() and meta.is_file():
            if json.loads(meta.read_text()) == json.loads(json.dumps(key, default=str)):
                return np.load(path)["scores"]
        return None

    def _save(self, path: Path, key: dict, scores: np.ndarray) -> None:
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, scores=scores)
        write_json_atomic(path.with_suffix(".json"), key)

    def _compute(self, kind, stream, method, flow_source, rows: list[int]) -> np.ndarray:
        r = self.recognition
        device = resolve_device(self.device)
        model = load_recogniser(self.recognisers[kind], device=str(device))
        folders = self.folders(method)
        flow_folders = self.folders(flow_source) if stream == "both" else None
        return score_videos(
            model,
            [folders[i] for i in rows],
            stream,
            r.test_snippets,
            r.test_crops,
            r.crop,
            r.new_length,
            device=device,
            flow_folders=[flow_folders[i] for i in rows] if flow_folders else None,
            workers=self.workers,
            bf16=gpu_bf16(device, self.bf16),
        )

    def score_shard(self, kind: str, stream: str, method: str, flow_source: str | None = None) -> Path:
        """Score this harness's shard of the test videos and cache it as a shard file; returns its path."""
        flow_source = flow_source or method
        self._check_streams(stream, method, flow_source)
        k, n = self.shard
        key = {**self._cache_key(kind, stream, method, flow_source), "shard": [k, n]}
        path = Path(self.cache_dir) / f"{self._name(kind, stream, method, flow_source)}.shard-{k}-of-{n}.npz"
        if self._load(path, key) is None:
            rows = shard_of(len(self.ds.test), self.shard)
            self._save(path, key, self._compute(kind, stream, method, flow_source, rows))
        return path

    def _merge_shards(self, kind, stream, method, flow_source, key) -> np.ndarray | None:
        """The whole table from a complete set of shard files of one shard count, if there is one."""
        name = self._name(kind, stream, method, flow_source)
        counts = set()
        for p in Path(self.cache_dir).glob(f"{name}.shard-*-of-*.npz"):
            m = re.fullmatch(re.escape(name) + r"\.shard-(\d+)-of-(\d+)\.npz", p.name)
            if m:
                counts.add(int(m.group(2)))
        for n in sorted(counts):
            parts = {}
            for k in range(1, n + 1):
                path = Path(self.cache_dir) / f"{name}.shard-{k}-of-{n}.npz"
                part = self._load(path, {**key, "shard": [k, n]})
                if part is None:
                    break
                parts[k] = part
            else:
                out = None
                for k, part in parts.items():
                    rows = shard_of(len(self.ds.test), (k, n))
                    if out is None:
                        out = np.empty((len(self.ds.test), part.shape[1]), part.dtype)
                    out[rows] = part
                return out
        return None

    def scores(self, kind: str, stream: str, method: str, flow_source: str | None = None) -> np.ndarray:
        """Cached scores (n_test, n_classes). ``stream``: "rgb", "flow" (TSN) or "both" (ST-ResNet with
        frames of ``method`` and flow of ``flow_source``). Made from a complete set of shard files when one
        is there (``score_shard`` under torchrun or an array job), else computed here."""
        flow_source = flow_source or method
        self._check_streams(stream, method, flow_source)
        key = self._cache_key(kind, stream, method, flow_source)
        path = Path(self.cache_dir) / f"{self._name(kind, stream, method, flow_source)}.npz"
        cached = self._load(path, key)
        if cached is not None:
            return cached
        scores = self._merge_shards(kind, stream, method, flow_source, key)
        if scores is None:
            scores = self._compute(kind, stream, method, flow_source, list(range(len(self.ds.test))))
        self._save(path, key, scores)
        return scores

    def fused_tsn(self, frames_method: str, flow_method: str) -> np.ndarray:
        """TSN late fusion of the spatial stream on ``frames_method`` and the temporal one on
        ``flow_method``."""
        w_rgb, w_flow = self.recognition.fusion
        return w_rgb * self.scores("tsn_rgb", "rgb", frames_method) + w_flow * self.scores(
            "tsn_flow", "flow", flow_method
        )

    @property
    def labels(self) -> np.ndarray:
        return np.array([i.label for i in self.ds.test])


# ------------------------------------------------------------------ SR of the frames the recognisers read
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


def _write_method_video(args) -> str:
    out_dir, conf, n_frames, frames, flow_pairs, flow_method, cfg = args
    cv2.setNumThreads(1)
    flows = {k: compute_flow(np.stack([a, b]), flow_method)[0] for k, (a, b) in flow_pairs.items()}
    with atomic_folder(out_dir, conf) as (tmp, info):
        info.update(write_sparse_rawframes(tmp, n_frames, frames, flows, cfg))
    return str(out_dir)


def _lr_frames(
    video, needed: set[int], max_frames: int | None, cache: ByteLRU | None = None
) -> dict[int, np.ndarray]:
    """LR (x1/4 MATLAB bicubic) of the frames ``needed`` of a video, decoding no further than the last one
    that ``cache`` (shared by the SR methods, which read the same videos' frames) does not hold."""
    out: dict[int, np.ndarray] = {}
    for i in needed if cache is not None else ():
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


def make_method_frames(
    ds,
    items,
    name: str,
    checkpoint,
    root,
    hr_root,
    consumed: ConsumedFrames,
    max_frames: int | None = None,
    device="cpu",
    bf16: bool = False,
    workers: int = 1,
    batch: int = 16,
    progress: bool = True,
    lr_cache: ByteLRU | None = None,
) -> str:
    """Rawframes of SR method ``name`` for ``items``: SR of only the frames the test protocol reads (the
    spatial stream's frames; for a method the temporal stream reads, also the frame pairs of its flows, whose
    flow is computed from the SR frames). The frame count comes from the HR rawframes. Returns the method's
    source tag. SR runs on ``device``; flow and writing in ``workers`` processes; each video folder is
    written atomically and skipped when complete for this config. ``lr_cache`` keeps LR frames for the next
    method (the same frames either way)."""
    from tqdm.auto import tqdm

    tag = f"{checkpoint_digest(checkpoint)}-{code_digest('sr_frames')}-{'+'.join(consumed.streams)}"
    conf = consumed.config(tag)
    todo = [it for it in items if not is_complete(output_dir(root, it.rel_path), conf)]
    if not todo:
        return tag
    device = resolve_device(device)
    bf16 = gpu_bf16(device, bf16)
    model = load_sr_model(checkpoint or "bicubic", device=str(device))
    half = getattr(model, "n_frames", 1) // 2
    pool = ProcessPoolExecutor(workers) if workers > 1 else None
    pending = []
    try:
        for it in tqdm(todo, desc=f"SR frames {name}", disable=not progress, unit="video"):
            n_frames = rawframes_info(output_dir(hr_root, it.rel_path))["frames"]
            rgb, flows = protocol_frames(
                n_frames, consumed.snippets, consumed.new_length, "flow" in consumed.streams
            )
            needed = set(rgb) | {k for f in flows for k in (f, f + 1)}
            windows = {j for c in needed for j in range(c - half, c + half + 1) if 0 <= j < n_frames}
            lr = _lr_frames(ds.path(it), windows, ds.max_frames, lr_cache)
            if len(lr) < len(windows):
                raise ValueError(
                    f"{ds.path(it)}: decodes {len(lr)} of the frames its HR rawframes count ({n_frames})"
                )
            sr = super_resolve_indices(
                model, lr.__getitem__, n_frames, needed, batch=batch, device=device, amp=bf16
            )
            job = (
                output_dir(root, it.rel_path),
                conf,
                n_frames,
                {i: sr[i] for i in rgb},
                {k: (sr[k], sr[k + 1]) for k in flows},
                consumed.frames.flow_method,
                consumed.frames,
            )
            if pool is None:
                _write_method_video(job)
                continue
            pending.append(pool.submit(_write_method_video, job))
            while len(pending) > 2 * workers:  # bounded: at most this many videos' frames in flight
                pending.pop(0).result()
        for fut in pending:
            fut.result()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return tag


def prepare_method_frames(
    exp: Experiment, ds, methods: dict, progress: bool = True, shard=(1, 1)
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
    streams = method_streams(["HR", "Bicubic", *methods])
    streams["HR"] = streams["Bicubic"] = STREAMS_BOTH
    rec = exp.recognition
    frames_cfg = FramesConfig(variant="hr", flow_method=exp.data.flow_method, bound=exp.data.flow_bound)
    items = [ds.test[i] for i in shard_of(len(ds.test), shard)]
    lr_cache = ByteLRU(exp.compute.cache_mb << 20)  # LR test frames, decoded once for all the methods
    for name, ckpt in methods.items():
        if ckpt is None:
            continue
        consumed = ConsumedFrames(rec.test_snippets, rec.new_length, streams[name], frames_cfg)
        root = exp.frames_root("sr") / name
        tags[name] = make_method_frames(
            ds,
            items,
            name,
            ckpt,
            root,
            hr_root,
            consumed,
            max_frames=exp.data.max_frames,
            device=exp.compute.device,
            bf16=exp.compute.bf16_inference,
            workers=exp.data.workers,
            progress=progress,
            lr_cache=lr_cache,
        )
        roots[name] = root
    return roots, tags, streams


def run_harness(
    exp: Experiment,
    ds,
    methods: dict | None = None,
    progress: bool = True,
    shard: tuple[int, int] = (1, 1),
    evaluated: str = "test",
) -> Harness:
    """Make every method's rawframes of the evaluated videos ``ds.test`` (of shard ``(k, n)``) and return the
    harness, whose recognisers are trained, reused or waited for when it first scores with each
    (:class:`arsr_lib.recognition.training.Recognisers`). ``evaluated="val"`` when ``ds`` is
    ``SplitDataset.validation()``: its scores are cached apart (``runs/<experiment>/scores-val``)."""
    if evaluated not in ("test", "val"):
        raise ValueError(f"run_harness: evaluated must be 'test' or 'val' (got {evaluated!r})")
    methods = methods if methods is not None else method_checkpoints(exp)
    missing = [
        m for m, c in methods.items() if c is not None and not is_pretrained(c) and not Path(c).is_file()
    ]
    if missing:
        raise FileNotFoundError(
            f"SR checkpoints missing for {missing}: run notebooks 02 and 03 (or `arsr train`) first"
        )
    # the SR frames first: they need no recogniser, and the recognisers may be training in another process
    # (``arsr recognisers``, which ``make reproduce`` runs beside the SR stages). Each recogniser is trained
    # or waited for when first scored, so the TSN streams can be scored while ST-ResNet still trains
    roots, tags, streams = prepare_method_frames(exp, ds, methods, progress, shard)
    return Harness(
        exp.name,
        ds,
        roots,
        tags,
        Recognisers(exp, ds, progress),
        exp.runs_dir() / ("scores" if evaluated == "test" else "scores-val"),
        exp.recognition,
        exp.data.flow_method,
        streams=streams,
        device=exp.compute.device,
        bf16=exp.compute.bf16_inference,
        workers=exp.score_workers,
        shard=shard,
    )


def score_all(harness: Harness, pairings: dict, sharded: bool) -> list:
    """Every (kind, stream, method, flow source) the tables read; scored as shard files when ``sharded``."""
    combos = []
    for m in harness.frames_roots:
        combos.append(("tsn_rgb", "rgb", m, m))
        if harness.has_stream(m, "flow"):
            combos.append(("tsn_flow", "flow", m, m))
    for frames_method, flow_method in pairings.values():
        if frames_method in harness.frames_roots and flow_method in harness.frames_roots:
            combos.append(("stresnet", "both", frames_method, flow_method))
    for combo in combos:
        harness.score_shard(*combo) if sharded else harness.scores(*combo)
    return combos


def parse_shard_arg(shard: str | None) -> tuple[int, int]:
    """``--shard k/n`` or, under torchrun, the rank's share."""
    return torchrun_shard() or parse_shard(shard)
