"""Which frames a clip reads: TSN's segment sampling of snippets (random in training, evenly spaced at
test), the frames or flows of one snippet, and what the test protocol reads of a whole video (the frames an SR
method must make for the recognisers)."""

from __future__ import annotations

import numpy as np


def snippet_starts(n_avail: int, k: int, mode: str, rng: np.random.Generator | None = None) -> list[int]:
    """Start index of each of ``k`` snippets among ``n_avail`` positions (TSN's segment sampling)."""
    n_avail = max(n_avail, 1)
    if mode == "test":  # evenly spaced centres (eval_net)
        return [int(x) for x in np.floor((np.arange(k) + 0.5) * n_avail / k).clip(0, n_avail - 1)]
    seg = n_avail / k
    if mode == "val":
        return [int(seg * i + seg / 2) for i in range(k)]
    if rng is None:
        raise ValueError(f"snippet_starts: mode {mode!r} draws at random and needs an rng")
    return [int(seg * i + rng.uniform(0, seg)) for i in range(k)]


def snippet_indices(start: int, modality: str, new_length: int, n: int) -> list[int]:
    """The images one snippet reads: a frame, or ``new_length`` consecutive flows (clamped to the last)."""
    if modality == "rgb":
        return [min(start, n - 1)]
    return [min(start + j, n - 1) for j in range(new_length)]


def available_starts(meta: dict, modality: str, new_length: int) -> int:
    """Positions a snippet can start at: every frame (RGB), every flow with ``new_length`` after it (flow)."""
    if modality == "rgb":
        return meta["frames"]
    return meta["flows"] - new_length + 1


def protocol_frames(
    n_frames: int, n_snippets: int, new_length: int, flow: bool
) -> tuple[list[int], list[int]]:
    """What the test protocol reads of an ``n_frames`` video: (RGB frame indices, flow indices); a flow
    ``k`` needs frames ``k`` and ``k + 1``. A method only the spatial stream reads needs the first alone."""
    meta = {"frames": n_frames, "flows": n_frames - 1}
    rgb = sorted(
        {
            i
            for s in snippet_starts(n_frames, n_snippets, "test")
            for i in snippet_indices(s, "rgb", 1, n_frames)
        }
    )
    if not flow:
        return rgb, []
    n_flow = n_frames - 1
    starts = snippet_starts(available_starts(meta, "flow", new_length), n_snippets, "test")
    flows = sorted({k for s in starts for k in snippet_indices(s, "flow", new_length, n_flow)})
    return rgb, flows
