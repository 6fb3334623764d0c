"""The evaluation harness: recognisers trained on HR, applied to every SR method's output.

For each test video and method (HR, Bicubic and every SR recipe): the LR test video is super-resolved
(cached lossless AVI), rawframes and flow are extracted with the experiment's flow method, and each stream is
scored with the test protocol. Scores are cached per (method, recogniser, stream) under a key of everything
they depend on (recogniser weights, the SR checkpoint digest, the protocol, the video list) and recomputed
only when that changes. Tables over the scores: :mod:`arsr_lib.tables`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arsr_lib import protocol as pinned
from arsr_lib.atomic import MARKER, atomic_path, file_digest, files_tag, write_json_atomic
from arsr_lib.config import Experiment, RecognitionConfig
from arsr_lib.frames import FramesConfig, extract_many, output_dir
from arsr_lib.models.pretrained import is_pretrained
from arsr_lib.recipes import method_checkpoints
from arsr_lib.recognition import score_videos
from arsr_lib.rectrain import load_recogniser, train_recognisers
from arsr_lib.sreval import checkpoint_digest, make_sr_videos, sr_video_path


@dataclass
class Harness:
    experiment: str  # the experiment's name (printed beside every number)
    ds: object  # SplitDataset
    frames_roots: dict  # method -> rawframes root
    tags: dict  # method -> source tag (SR checkpoint digest)
    recognisers: dict  # kind -> final.pt
    cache_dir: Path
    recognition: RecognitionConfig
    flow_method: str = "dis"

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
        }

    def scores(self, kind: str, stream: str, method: str, flow_source: str | None = None) -> np.ndarray:
        """Cached scores (n_test, n_classes). ``stream``: "rgb", "flow" (TSN) or "both" (ST-ResNet with
        frames of ``method`` and flow of ``flow_source``)."""
        flow_source = flow_source or method
        key = self._cache_key(kind, stream, method, flow_source)
        name = f"{kind}-{stream}-{method}" + (f"-{flow_source}" if flow_source != method else "")
        path = Path(self.cache_dir) / f"{name}.npz"
        meta = path.with_suffix(".json")
        if (
            path.is_file()
            and meta.is_file()
            and json.loads(meta.read_text()) == json.loads(json.dumps(key, default=str))
        ):
            return np.load(path)["scores"]
        r = self.recognition
        model = load_recogniser(self.recognisers[kind])
        scores = score_videos(
            model,
            self.folders(method),
            stream,
            r.test_snippets,
            r.test_crops,
            r.crop,
            r.new_length,
            flow_folders=self.folders(flow_source) if stream == "both" else None,
        )
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, scores=scores)
        write_json_atomic(meta, key)
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


def prepare_method_frames(
    ds,
    methods: dict,
    sr_root,
    frames_root,
    hr_root,
    bicubic_root,
    flow_method: str,
    workers: int = 2,
    progress: bool = True,
) -> tuple[dict, dict]:
    """Rawframes roots and source tags of HR, Bicubic and each SR method (SR videos made and extracted if
    needed)."""
    roots = {"HR": Path(hr_root), "Bicubic": Path(bicubic_root)}
    # the baselines' tags follow their rawframes (a regenerated dataset re-scores them)
    tags = {
        k: f"{k.lower()}-" + files_tag([output_dir(r, i.rel_path) / MARKER for i in ds.test])
        for k, r in roots.items()
    }
    sr_methods = {k: v for k, v in methods.items() if v is not None}
    make_sr_videos(ds, sr_methods, sr_root, ds.test, progress=progress)
    for name, ckpt in sr_methods.items():
        tag = checkpoint_digest(ckpt)
        cfg = FramesConfig(variant="hr", flow_method=flow_method, source_tag=tag)
        root = Path(frames_root) / name
        jobs = [(sr_video_path(sr_root, name, i.rel_path), output_dir(root, i.rel_path)) for i in ds.test]
        extract_many(jobs, cfg, workers=workers, progress=progress, desc=f"frames {name}")
        roots[name], tags[name] = root, tag
    return roots, tags


def run_harness(exp: Experiment, ds, methods: dict | None = None, progress: bool = True) -> Harness:
    """Train (or reuse) the recognisers, make every method's test rawframes, return the harness."""
    methods = methods if methods is not None else method_checkpoints(exp.runs_dir())
    missing = [
        m for m, c in methods.items() if c is not None and not is_pretrained(c) and not Path(c).is_file()
    ]
    if missing:
        raise FileNotFoundError(
            f"SR checkpoints missing for {missing}: run notebooks 02 and 03 (or `arsr train`) first"
        )
    recognisers = train_recognisers(
        ds, exp.frames_root("hr"), exp.runs_dir(), exp.recognition, exp.seed, progress, exp.data.dataset
    )
    roots, tags = prepare_method_frames(
        ds,
        methods,
        exp.sr_root(),
        exp.frames_root("sr"),
        exp.frames_root("hr"),
        exp.frames_root("bicubic"),
        exp.data.flow_method,
        exp.data.workers,
        progress,
    )
    return Harness(
        exp.name,
        ds,
        roots,
        tags,
        recognisers,
        exp.runs_dir() / "scores",
        exp.recognition,
        exp.data.flow_method,
    )
