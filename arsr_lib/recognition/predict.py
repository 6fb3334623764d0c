"""Single-video prediction: the two-stream TSN verdict on one video file (``arsr recognize``).

The class names come from the recogniser checkpoints themselves (with the dataset they were trained on), so a
verdict always says what it is a verdict over: the smoke recognisers know SynthActions' 10 classes, not the
actions of real footage.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from arsr_lib.config import Experiment
from arsr_lib.core.devices import Runtime, runtime
from arsr_lib.core.errors import VideoError
from arsr_lib.data.frames import FramesConfig
from arsr_lib.data.video import read_video
from arsr_lib.models.pretrained import is_pretrained
from arsr_lib.recognition.clips import test_inputs
from arsr_lib.recognition.scores import fuse_tsn
from arsr_lib.recognition.training import load_recogniser, recogniser_classes
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
    frames: np.ndarray, stream: str, model: nn.Module | None, folder: Path, exp: Experiment, rt: Runtime
) -> torch.Tensor:
    """One stream's test inputs, made as the evaluation harness makes them: the frames the test protocol reads
    (super-resolved by ``model`` when given), written as sparse rawframes in ``folder`` and read back."""
    rec = exp.recognition
    flow = stream == "flow"
    cfg = FramesConfig(flow_method=exp.data.flow_method if flow else None)
    consumed = ConsumedFrames(rec.test_snippets, rec.new_length, ("rgb", "flow") if flow else ("rgb",), cfg)
    rgb, pairs = protocol_sr_frames(model, frames.__getitem__, len(frames), consumed, rt)
    first = next(iter(rgb.values()))
    if min(first.shape[:2]) < rec.crop:
        raise VideoError(
            f"frames {frames.shape[2]}x{frames.shape[1]} are too small for the recogniser's "
            f"{rec.crop}-px crop" + (" even after x4 SR" if model is not None else "")
        )
    write_protocol_frames(folder, consumed.config("arsr recognize"), len(frames), rgb, pairs, cfg)
    return test_inputs(str(folder), stream, rec.test_snippets, rec.test_crops, rec.crop, rec.new_length)


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
) -> Verdict:
    """Two-stream TSN prediction for one video file: the ``top`` classes with their fused scores.

    When the video is smaller than the recogniser's input crop it is super-resolved first: frames by
    ``sr_rgb`` for the spatial stream, by ``sr_flow`` for the temporal stream (the paper's pairing by
    default: ``exp.study.recognize``); ``sr_rgb`` / ``sr_flow`` name an SR method of the experiment, a
    pretrained model or ``Bicubic``.
    """
    rec = exp.recognition
    sr_rgb, sr_flow = sr_rgb or exp.study.recognize[0], sr_flow or exp.study.recognize[1]
    rt = runtime(device)
    runs = Path(runs_dir) if runs_dir else exp.runs_dir()
    paths = recogniser_paths(recogniser, runs)
    dataset, names = recogniser_classes(paths["rgb"])
    frames = read_video(video, min_frames=rec.new_length + 1)
    checkpoints = method_checkpoints(exp, runs_dir=runs)
    scores, streams = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for stream, method in (("rgb", sr_rgb), ("flow", sr_flow)):
            model, streams[stream] = None, "as decoded"
            if min(frames.shape[1:3]) < rec.crop:
                model = load_sr_model(_sr_source(method, checkpoints), device=str(rt.device))
                streams[stream] = method
            try:
                x = _stream_input(frames, stream, model, Path(tmp) / stream, exp, rt)
            except VideoError as exc:
                raise VideoError(f"{video}: {exc}") from None
            with torch.no_grad():
                recogniser_model = load_recogniser(paths[stream], str(rt.device))
                scores[stream] = recogniser_model(x[None].to(rt.device))[0].float().cpu().numpy()
    fused = fuse_tsn(scores["rgb"], scores["flow"], rec.fusion)
    order = np.argsort(-fused)[:top]
    return Verdict([(names[i], float(fused[i])) for i in order], dataset, len(names), streams)


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
