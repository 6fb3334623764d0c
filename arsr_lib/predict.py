"""Single-video prediction: the two-stream TSN verdict on one video file (``arsr recognize``)."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from arsr_lib.atomic import atomic_folder
from arsr_lib.config import Experiment
from arsr_lib.datasets import load_dataset
from arsr_lib.flow import compute_flow
from arsr_lib.frames import FramesConfig, write_rawframes
from arsr_lib.inference import load_sr_model, super_resolve
from arsr_lib.recipes import method_checkpoints
from arsr_lib.recognition import test_inputs
from arsr_lib.rectrain import load_recogniser
from arsr_lib.video import read_video


def _stream_input(frames: np.ndarray, stream: str, folder: Path, exp: Experiment) -> torch.Tensor:
    """Write one stream's rawframes for ``frames`` into ``folder`` and read back its test snippets."""
    rec = exp.recognition
    is_flow = stream == "flow"
    cfg = FramesConfig(flow_method=exp.data.flow_method if is_flow else None, min_frames=2 if is_flow else 1)
    flow = compute_flow(frames, exp.data.flow_method) if is_flow else None
    with atomic_folder(folder, asdict(cfg)) as (tmp, info):
        info.update(write_rawframes(tmp, frames, flow, cfg))
    return test_inputs(str(folder), stream, rec.test_snippets, rec.test_crops, rec.crop, rec.new_length)


def recognize(
    video,
    exp: Experiment,
    sr_rgb: str = "SoSR",
    sr_flow: str = "ToSR-DUF",
    top: int = 5,
    runs_dir=None,
    device: str = "cpu",
) -> list[tuple[str, float]]:
    """Two-stream TSN prediction for one video file: the ``top`` classes with their fused scores.

    When the video is smaller than the recogniser's input crop it is super-resolved first: frames by
    ``sr_rgb`` for the spatial stream, by ``sr_flow`` for the temporal stream (the paper's pairing by
    default).
    """
    rec = exp.recognition
    runs = Path(runs_dir) if runs_dir else exp.runs_dir()
    frames = read_video(video, min_frames=rec.new_length + 1)
    checkpoints = method_checkpoints(runs)
    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        for stream, method in (("rgb", sr_rgb), ("flow", sr_flow)):
            stream_frames = frames
            if min(frames.shape[1:3]) < rec.crop:
                if method not in checkpoints:
                    raise ValueError(f"unknown SR method {method!r}; choose from {list(checkpoints)}")
                model = load_sr_model(checkpoints[method] or "bicubic", device=device)
                stream_frames = super_resolve(model, frames, device=device)
            x = _stream_input(stream_frames, stream, Path(tmp) / stream, exp)
            model = load_recogniser(runs / f"tsn_{stream}" / "final.pt")
            with torch.no_grad():
                scores[stream] = model(x[None])[0].numpy()
    w_rgb, w_flow = rec.fusion
    fused = w_rgb * scores["rgb"] + w_flow * scores["flow"]
    data = exp.data
    classes = load_dataset(data.dataset, data.split_dir, data.split, exp.dataset_root()).classes
    order = np.argsort(-fused)[:top]
    return [(classes[i], float(fused[i])) for i in order]
