"""Single-video prediction: the two-stream TSN verdict on one video file (``arsr recognize``).

The class names come from the recogniser checkpoints themselves (with the dataset they were trained on), so a
verdict always says what it is a verdict over: the smoke recognisers know SynthActions' 10 classes, not the
actions of real footage.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from arsr_lib.config import Experiment
from arsr_lib.core.devices import Runtime, runtime
from arsr_lib.core.errors import VideoError
from arsr_lib.data.frames import FramesConfig
from arsr_lib.data.video import check_decoded, count_frames, iter_frames
from arsr_lib.models.pretrained import is_pretrained
from arsr_lib.recognition.clips import test_inputs
from arsr_lib.recognition.scores import fuse_tsn
from arsr_lib.recognition.training import load_recogniser, recogniser_classes, recogniser_frame_size
from arsr_lib.sr.inference import load_sr_model
from arsr_lib.sr.recipes import method_checkpoints
from arsr_lib.sr.testframes import ConsumedFrames, protocol_sr_frames, write_protocol_frames


@dataclass
class Verdict:
    top: list[tuple[str, float]]  # (class, fused score), best first
    dataset: str  # what the recognisers were trained on
    classes: int
    streams: dict  # stream -> how its frames were made ("as decoded", or the SR method)


def _stream_input(
    frame: Callable[[int], np.ndarray],
    n_frames: int,
    stream: str,
    model: nn.Module | None,
    folder: Path,
    exp: Experiment,
    rt: Runtime,
) -> torch.Tensor:
    """One stream's test inputs, made as the evaluation harness makes them: the frames the test protocol reads
    of an ``n_frames`` video whose frame ``i`` is ``frame(i)`` (super-resolved by ``model`` when given),
    written as sparse rawframes in ``folder`` and read back."""
    rec = exp.recognition
    consumed = _consumed(exp, stream)
    rgb, pairs = protocol_sr_frames(model, frame, n_frames, consumed, rt)
    first = next(iter(rgb.values()))
    if min(first.shape[:2]) < rec.crop:
        raise VideoError(
            f"frames {first.shape[1]}x{first.shape[0]} are too small for the recogniser's "
            f"{rec.crop}-px crop" + (" even after SR" if model is not None else "")
        )
    write_protocol_frames(folder, consumed.config("arsr recognize"), n_frames, rgb, pairs, consumed.frames)
    return test_inputs(str(folder), stream, rec.test_snippets, rec.test_crops, rec.crop, rec.new_length)


def _consumed(exp: Experiment, stream: str) -> ConsumedFrames:
    rec, flow = exp.recognition, stream == "flow"
    cfg = FramesConfig(flow_method=exp.data.flow_method if flow else None)
    return ConsumedFrames(rec.test_snippets, rec.new_length, ("rgb", "flow") if flow else ("rgb",), cfg)


def needed_frames(exp: Experiment, n_frames: int, windows: dict[str, int]) -> set[int]:
    """The frames of an ``n_frames`` video that the streams read (``windows``: stream -> the frame window of
    its SR model, 1 for frame-wise SR or none): snippet frames, flow pairs, and their SR windows."""
    needed: set[int] = set()
    for stream, window in windows.items():
        rgb, flows = _consumed(exp, stream).indices(n_frames)
        read = set(rgb) | {k for f in flows for k in (f, f + 1)}
        half = window // 2
        needed |= {j for i in read for j in range(i - half, i + half + 1) if 0 <= j < n_frames}
    return needed


def fit_to(frame: np.ndarray, short_side: int) -> np.ndarray:
    """A frame larger than the recogniser's training frames brought to their short side (area resampling,
    aspect kept), as mmaction2's test pipeline resizes before it crops; smaller frames as they are."""
    h, w = frame.shape[:2]
    if min(h, w) <= short_side:
        return frame
    scale = short_side / min(h, w)
    size = (max(short_side, round(w * scale)), max(short_side, round(h * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def read_needed(video: str | Path, needed: set[int], short_side: int) -> dict[int, np.ndarray]:
    """The frames ``needed`` of a video, each brought to ``short_side`` (:func:`fit_to`), decoded in one pass
    that keeps nothing else and stops after the last one: memory bounded by what the protocol reads, not by
    the clip's length or size."""
    out: dict[int, np.ndarray] = {}
    last = max(needed)
    for i, frame in enumerate(iter_frames(video, max_frames=last + 1)):
        if i in needed:
            out[i] = fit_to(frame, short_side)
    return out


def recogniser_paths(recogniser: str | Path | None, runs: Path) -> dict[str, Path]:
    """``stream -> final.pt``: a folder holding ``tsn_rgb/`` and ``tsn_flow/`` (default: the experiment's
    runs)."""
    folder = Path(recogniser) if recogniser else runs
    paths = {stream: folder / f"tsn_{stream}" / "final.pt" for stream in ("rgb", "flow")}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"no trained recogniser at {', '.join(missing)}: train them (`arsr recognisers` or "
            "`make reproduce`) first, or pass --recogniser FOLDER with tsn_rgb/ and tsn_flow/"
        )
    return paths


def recognize(
    video: str | Path,
    exp: Experiment,
    sr_rgb: str | None = None,
    sr_flow: str | None = None,
    top: int = 5,
    runs_dir: str | Path | None = None,
    device: str = "auto",
    recogniser: str | Path | None = None,
    strict: bool = False,
) -> Verdict:
    """Two-stream TSN prediction for one video file: the ``top`` classes with their fused scores.

    The video is decoded once, keeping only the frames the test protocol reads (memory flat in its length);
    frames larger than those the recognisers were trained on are first brought to their short side. When the
    video is smaller than the recogniser's input crop it is super-resolved first: frames by
    ``sr_rgb`` for the spatial stream, by ``sr_flow`` for the temporal stream (the paper's pairing by
    default: ``exp.study.recognize``); ``sr_rgb`` / ``sr_flow`` name an SR method of the experiment, a
    pretrained model or ``Bicubic``. ``strict``: a video that decodes fewer frames than its container
    declares (beyond HMDB51's one) is an error, not a warning.
    """
    rec = exp.recognition
    sr_rgb, sr_flow = sr_rgb or exp.study.recognize[0], sr_flow or exp.study.recognize[1]
    rt = runtime(device)
    runs = Path(runs_dir) if runs_dir else exp.runs_dir()
    n_frames = count_frames(video)
    note = check_decoded(video, n_frames, strict)
    if note:
        print(note, file=sys.stderr)
    paths = recogniser_paths(recogniser, runs)
    dataset, names = recogniser_classes(paths["rgb"])
    short_side = min(recogniser_frame_size(paths["rgb"]))
    if n_frames < rec.new_length + 1:
        raise VideoError(f"{video}: {n_frames} decodable frame(s), at least {rec.new_length + 1} needed")
    side = min(next(iter_frames(video, max_frames=1)).shape[:2])
    models, streams = _stream_models(exp, side, short_side, (sr_rgb, sr_flow), runs, rt)
    windows = {k: getattr(m, "n_frames", 1) for k, m in models.items()}
    frames = read_needed(video, needed_frames(exp, n_frames, windows), short_side)
    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        for stream in ("rgb", "flow"):
            try:
                x = _stream_input(
                    frames.__getitem__, n_frames, stream, models[stream], Path(tmp) / stream, exp, rt
                )
            except VideoError as exc:
                raise VideoError(f"{video}: {exc}") from None
            with torch.no_grad():
                recogniser_model = load_recogniser(paths[stream], str(rt.device))
                scores[stream] = recogniser_model(x[None].to(rt.device))[0].float().cpu().numpy()
    fused = fuse_tsn(scores["rgb"], scores["flow"], rec.fusion)
    order = np.argsort(-fused)[:top]
    return Verdict([(names[i], float(fused[i])) for i in order], dataset, len(names), streams)


def _stream_models(
    exp: Experiment, side: int, short_side: int, methods: tuple[str, str], runs: Path, rt: Runtime
) -> tuple[dict[str, nn.Module | None], dict[str, str]]:
    """Per stream, the SR model to apply to a video whose short side is ``side`` (None: none; only a video
    too small for the recogniser's crop is super-resolved) and how the stream's frames are made."""
    checkpoints = method_checkpoints(exp, runs_dir=runs)
    fitted = min(side, short_side)
    models: dict[str, nn.Module | None] = {}
    streams: dict[str, str] = {}
    for stream, method in zip(("rgb", "flow"), methods):
        models[stream], streams[stream] = None, "as decoded"
        if fitted < exp.recognition.crop:  # too small for the recogniser: super-resolve it first
            models[stream] = load_sr_model(_sr_source(method, checkpoints), device=str(rt.device))
            streams[stream] = method
        elif fitted < side:
            streams[stream] = f"resized to a {short_side}-px short side"
    return models, streams


def _sr_source(method: str, checkpoints: dict):
    """The SR model of a method name: an evaluation method of the experiment, or a pretrained model."""
    if is_pretrained(method):
        return method
    if method not in checkpoints:
        raise ValueError(
            f"unknown SR method {method!r}; choose from {list(checkpoints)} or a pretrained model"
        )
    checkpoint = checkpoints[method]
    if checkpoint is not None and not Path(checkpoint).is_file():
        raise FileNotFoundError(
            f"SR method {method}: no trained model at {checkpoint} "
            "(train it: `arsr train --recipe ...` or `make reproduce`)"
        )
    return checkpoint or "bicubic"
