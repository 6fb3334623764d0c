"""The evaluation harness: recognisers trained on HR, applied to the test frames of every SR method.

A :class:`Harness` holds where each method's test rawframes are (made by :mod:`arsr_lib.sr.testframes`) and
scores each (recogniser, stream, method) with the test protocol. Scores are cached under a key of everything
they depend on (recogniser weights, the SR checkpoint digest, the protocol, the video list, the code, the
precision) and recomputed only when that changes. A harness can take a shard ``(k, n)`` of the test videos:
scores of its share alone, kept as shard files that an unsharded harness merges (``arsr evaluate``). What is
scored is what the study asks (:func:`score_all`); the tables over the scores:
:mod:`arsr_lib.recognition.tables`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from arsr_lib.config import Experiment, RecognitionConfig
from arsr_lib.config.study import Study
from arsr_lib.core import protocol as pinned
from arsr_lib.core.atomic import atomic_path, file_digest, write_json_atomic
from arsr_lib.core.codekey import code_digest
from arsr_lib.core.devices import Runtime, runtime
from arsr_lib.core.shards import Shard, merge_rows, shard_of
from arsr_lib.data.datasets import SplitDataset
from arsr_lib.data.frames import output_dir
from arsr_lib.models.pretrained import is_pretrained
from arsr_lib.recognition.clips import score_videos
from arsr_lib.recognition.training import Recognisers, load_recogniser
from arsr_lib.sr.recipes import method_checkpoints
from arsr_lib.sr.testframes import STREAMS_BOTH, prepare_method_frames


def fuse_tsn(rgb: np.ndarray, flow: np.ndarray, fusion: tuple[float, float]) -> np.ndarray:
    """TSN's late fusion: the weighted sum of the two streams' raw scores (``recognition.fusion``,
    RGB:flow)."""
    w_rgb, w_flow = fusion
    return w_rgb * rgb + w_flow * flow


@dataclass
class Harness:
    experiment: str  # the experiment's name (printed beside every number)
    ds: SplitDataset
    frames_roots: dict  # method -> rawframes root
    tags: dict  # method -> source tag (SR checkpoint digest, code, streams)
    recognisers: Mapping  # kind -> final.pt (training.Recognisers: each trained when first scored)
    cache_dir: Path
    recognition: RecognitionConfig
    flow_method: str
    streams: dict  # method -> the streams its frames were made for
    # the device, bf16, and the DataLoader workers reading the test inputs while a recogniser scores
    rt: Runtime
    shard: Shard = (1, 1)  # this process's share of the test videos (k, n)

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
                    "(the study's flow consumers decide which streams read each method)"
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
            "precision": self.rt.precision,
        }

    def _path(
        self, kind: str, stream: str, method: str, flow_source: str, shard: Shard | None = None
    ) -> Path:
        name = f"{kind}-{stream}-{method}" + (f"-{flow_source}" if flow_source != method else "")
        return Path(self.cache_dir) / (
            f"{name}.shard-{shard[0]}-of-{shard[1]}.npz" if shard else f"{name}.npz"
        )

    @staticmethod
    def _load(path: Path, key: dict) -> np.ndarray | None:
        meta = path.with_suffix(".json")
        if path.is_file() and meta.is_file():
            if json.loads(meta.read_text()) == json.loads(json.dumps(key, default=str)):
                return np.load(path)["scores"]
        return None

    @staticmethod
    def _save(path: Path, key: dict, scores: np.ndarray) -> None:
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, scores=scores)
        write_json_atomic(path.with_suffix(".json"), key)

    def _compute(self, kind: str, stream: str, method: str, flow_source: str, rows: list[int]) -> np.ndarray:
        r = self.recognition
        model = load_recogniser(self.recognisers[kind], device=str(self.rt.device))
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
            device=self.rt.device,
            flow_folders=[flow_folders[i] for i in rows] if flow_folders else None,
            workers=self.rt.workers,
            bf16=self.rt.bf16,
        )

    def score_shard(self, kind: str, stream: str, method: str, flow_source: str | None = None) -> Path:
        """Score this harness's shard of the test videos and cache it as a shard file; returns its path."""
        flow_source = flow_source or method
        self._check_streams(stream, method, flow_source)
        key = {**self._cache_key(kind, stream, method, flow_source), "shard": list(self.shard)}
        path = self._path(kind, stream, method, flow_source, self.shard)
        if self._load(path, key) is None:
            rows = shard_of(len(self.ds.test), self.shard)
            self._save(path, key, self._compute(kind, stream, method, flow_source, rows))
        return path

    def _merge_shards(
        self, kind: str, stream: str, method: str, flow_source: str, key: dict
    ) -> np.ndarray | None:
        """The whole table from a complete set of shard files of one shard count, if there is one."""
        whole = self._path(kind, stream, method, flow_source).stem
        counts = set()
        for p in Path(self.cache_dir).glob(f"{whole}.shard-*-of-*.npz"):
            m = re.fullmatch(re.escape(whole) + r"\.shard-(\d+)-of-(\d+)\.npz", p.name)
            if m:
                counts.add(int(m.group(2)))
        for n in sorted(counts):
            parts = {}
            for k in range(1, n + 1):
                part = self._load(
                    self._path(kind, stream, method, flow_source, (k, n)), {**key, "shard": [k, n]}
                )
                if part is None:
                    break
                parts[k] = part
            else:
                return merge_rows(parts, len(self.ds.test))
        return None

    def scores(self, kind: str, stream: str, method: str, flow_source: str | None = None) -> np.ndarray:
        """Cached scores (n_test, n_classes). ``stream``: "rgb", "flow" (TSN) or "both" (ST-ResNet with
        frames of ``method`` and flow of ``flow_source``). Made from a complete set of shard files when one
        is there (``score_shard`` under torchrun or an array job), else computed here."""
        flow_source = flow_source or method
        self._check_streams(stream, method, flow_source)
        key = self._cache_key(kind, stream, method, flow_source)
        path = self._path(kind, stream, method, flow_source)
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
        rgb = self.scores("tsn_rgb", "rgb", frames_method)
        return fuse_tsn(rgb, self.scores("tsn_flow", "flow", flow_method), self.recognition.fusion)

    @property
    def labels(self) -> np.ndarray:
        return np.array([i.label for i in self.ds.test])


def run_harness(
    exp: Experiment,
    ds: SplitDataset,
    methods: dict | None = None,
    progress: bool = True,
    shard: Shard = (1, 1),
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
        raise FileNotFoundError(f"SR checkpoints missing for {missing}: train them first (`arsr train`)")
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
        streams,
        runtime(exp.compute.device, exp.compute.bf16_inference, exp.score_workers),
        shard=shard,
    )


def score_all(harness: Harness, study: Study, sharded: bool) -> list:
    """Every (kind, stream, method, flow source) the study's tables read; scored as shard files when
    ``sharded``."""
    combos = []
    for m in harness.frames_roots:
        combos.append(("tsn_rgb", "rgb", m, m))
        if harness.has_stream(m, "flow"):
            combos.append(("tsn_flow", "flow", m, m))
    for frames_method, flow_method in study.pairings.values():
        if frames_method in harness.frames_roots and flow_method in harness.frames_roots:
            combos.append(("stresnet", "both", frames_method, flow_method))
    for combo in combos:
        harness.score_shard(*combo) if sharded else harness.scores(*combo)
    return combos
