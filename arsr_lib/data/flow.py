"""Dense optical flow, TSN quantisation, backward warping and flow colour coding.

Conventions (pinned in :mod:`arsr_lib.core.protocol`):

* ``compute_flow(frames)`` returns forward flow ``(T-1, H, W, 2)`` float32 in pixels:
  ``flow[k]`` maps frame k to frame k+1, channel 0 = x (columns), 1 = y (rows).
* Quantisation (TSN dense_flow): clip to +-bound, ``q = round(255 * (v + b) / (2 b))``;
  dequantisation ``v = q * 2b / 255 - b``; one level = 2b/255 px (0.157 px for b = 20).
* ``warp(image, flow)`` is the backward warp ``out(p) = image(p + flow(p))``, bilinear, pixel
  units, ``align_corners=True`` (pixel i sits at coordinate i), zero outside the frame,
  returned with a validity mask of the samples that fell inside.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Any

import cv2
import numpy as np
import torch

from arsr_lib.core.errors import FlowError
from arsr_lib.core.protocol import DIS_PRESET, FARNEBACK_PARAMS, FLOW_BOUND, FLOW_METHODS, TVL1_PARAMS
from arsr_lib.data.tvl1 import tvl1_flow

METHODS = FLOW_METHODS
# frame pairs per launch of the torch TV-L1 by default (compute.flow_batch sets a run's)
TORCH_FLOW_BATCH = 16


def _gray(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return frame
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)


def _make_tvl1():
    if not hasattr(cv2, "optflow"):
        raise FlowError(
            "TV-L1 needs OpenCV's contrib module cv2.optflow, which this OpenCV lacks: "
            "pip uninstall opencv-python opencv-python-headless && "
            "pip install opencv-contrib-python-headless"
        )
    p = TVL1_PARAMS
    return cv2.optflow.DualTVL1OpticalFlow_create(
        tau=p["tau"],
        lambda_=p["lambda_"],
        theta=p["theta"],
        nscales=p["nscales"],
        warps=p["warps"],
        epsilon=p["epsilon"],
        innnerIterations=p["innnerIterations"],
        outerIterations=p["outerIterations"],
        scaleStep=p["scaleStep"],
        gamma=p["gamma"],
        medianFiltering=p["medianFiltering"],
        useInitialFlow=p["useInitialFlow"],
    )


def _make_dis():
    presets = {
        "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
        "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
        "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
    }
    return cv2.DISOpticalFlow_create(presets[DIS_PRESET])


class _Farneback:
    def calc(self, a, b, _):
        return cv2.calcOpticalFlowFarneback(a, b, None, **FARNEBACK_PARAMS)


class _TorchTVL1:
    """One pair at a time through the batched torch TV-L1 on the CPU (``compute_flow`` batches the pairs
    itself)."""

    def calc(self, a, b, _):
        return tvl1_flow([(a, b)])[0]


def make_flow_engine(method: str) -> Any:
    method = method.lower()
    if method == "tvl1":
        return _make_tvl1()
    if method == "tvl1_torch":
        return _TorchTVL1()
    if method == "dis":
        return _make_dis()
    if method == "farneback":
        return _Farneback()
    raise FlowError(f"unknown flow method {method!r}; choose one of {METHODS}")


def _flow_chunk(args) -> np.ndarray:
    method, grays = args
    cv2.setNumThreads(1)
    engine = make_flow_engine(method)
    out = np.empty((len(grays) - 1, *grays[0].shape, 2), np.float32)
    for k in range(len(grays) - 1):
        out[k] = engine.calc(grays[k], grays[k + 1], None)
    return out


def compute_flow(
    frames: np.ndarray,
    method: str = "dis",
    workers: int = 1,
    device: str | torch.device = "cpu",
    batch: int = TORCH_FLOW_BATCH,
) -> np.ndarray:
    """Forward flow ``(T-1, H, W, 2)`` float32 (pixels) between consecutive frames.

    ``frames``: ``(T, H, W, 3)`` uint8 RGB or ``(T, H, W)`` gray, T >= 2. ``workers`` > 1
    splits the frame pairs over a process pool (contiguous chunks; identical result). ``device`` and
    ``batch`` (frame pairs per launch, ``compute.flow_batch``) apply to ``tvl1_torch`` only, which runs in
    this process (on a CUDA device with its iteration compiled, :func:`pair_flows`).
    """
    frames = np.asarray(frames)
    if frames.ndim not in (3, 4) or len(frames) < 2:
        raise FlowError(f"compute_flow: need at least 2 frames of shape (T,H,W[,3]), got {frames.shape}")
    if method.lower() not in METHODS:
        raise FlowError(f"unknown flow method {method!r}; choose one of {METHODS}")
    make_flow_engine(method)  # fail early (missing contrib) in the caller's process
    grays = [_gray(np.ascontiguousarray(f, dtype=np.uint8)) for f in frames]
    n_pairs = len(grays) - 1
    if method.lower() == "tvl1_torch":  # batched in one process: torch spreads a batch over the threads
        pairs = [(grays[k], grays[k + 1]) for k in range(n_pairs)]
        return np.stack(pair_flows(pairs, method, device, batch))
    workers = max(1, min(int(workers), n_pairs))
    if workers == 1:
        return _flow_chunk((method, grays))
    bounds = np.linspace(0, n_pairs, workers + 1).round().astype(int)
    chunks = [(method, grays[a : b + 1]) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    with ProcessPoolExecutor(workers) as pool:
        return np.concatenate(list(pool.map(_flow_chunk, chunks)))


def flow_device(method: str | None, device: str | torch.device) -> torch.device | None:
    """Where a run's flow is computed in one process: its device (``compute.device``, resolved) for the torch
    TV-L1 on CUDA; None (each worker process computes its own, on the CPU) for the OpenCV methods and for the
    torch TV-L1 on a CPU, where worker processes with one thread each do more than one batched process."""
    device = torch.device(device)
    return device if (method or "").lower() == "tvl1_torch" and device.type == "cuda" else None


def pair_flows(
    pairs: list[tuple[np.ndarray, np.ndarray]],
    method: str,
    device: str | torch.device = "cpu",
    batch: int = TORCH_FLOW_BATCH,
) -> list[np.ndarray]:
    """Flow ``(H, W, 2)`` of each ``(a, b)`` frame pair, in order. ``tvl1_torch`` batches the pairs
    ``batch`` at a time on ``device`` (on CUDA its iteration compiled: the same algorithm, ``fused`` in
    :mod:`arsr_lib.data.tvl1`); the OpenCV methods run pair by pair in this process."""
    if method.lower() == "tvl1_torch":
        fused = torch.device(device).type == "cuda"
        return tvl1_flow(pairs, device=device, batch=batch, fused=fused)
    engine = make_flow_engine(method)
    return [engine.calc(_gray(a), _gray(b), None) for a, b in pairs]


# ---------------------------------------------------------------------------------------------
# quantisation (TSN dense_flow)
# ---------------------------------------------------------------------------------------------
def quantize(flow: np.ndarray, bound: float = FLOW_BOUND) -> np.ndarray:
    """Clip to +-bound and map linearly to uint8 0..255 with rounding (128 ~ no motion)."""
    f = np.clip(np.asarray(flow, np.float64), -bound, bound)
    return np.rint(255.0 * (f + bound) / (2.0 * bound)).astype(np.uint8)


def dequantize(q: np.ndarray, bound: float = FLOW_BOUND) -> np.ndarray:
    """Inverse of :func:`quantize` (float32 pixels); error <= half a level inside the bound."""
    return (np.asarray(q, np.float32) * (2.0 * bound / 255.0) - bound).astype(np.float32)


def quant_step(bound: float = FLOW_BOUND) -> float:
    return 2.0 * bound / 255.0


# ---------------------------------------------------------------------------------------------
# warping
# ---------------------------------------------------------------------------------------------
def warp(image: Any, flow: Any) -> tuple[Any, Any]:
    """Backward-warp ``image`` by ``flow``: ``out(p) = image(p + flow(p))``, bilinear.

    ``image``: torch ``(N, C, H, W)``; ``flow``: torch ``(N, H, W, 2)`` in pixels (x, y).
    Numpy ``(H, W, C)`` image with ``(H, W, 2)`` flow is accepted too and returns numpy.
    Returns ``(warped, valid)`` with ``valid`` ``(N, 1, H, W)`` float (1 where the sample
    position lies inside the frame, 0 where it fell outside and the output is zero).
    """
    import torch
    import torch.nn.functional as F

    as_numpy = isinstance(image, np.ndarray)
    if as_numpy:
        img = torch.from_numpy(np.ascontiguousarray(image, np.float32)).permute(2, 0, 1)[None]
        fl = torch.from_numpy(np.ascontiguousarray(flow, np.float32))[None]
    else:
        img, fl = image, flow
    if (
        img.ndim != 4
        or fl.ndim != 4
        or fl.shape[-1] != 2
        or img.shape[-2:] != fl.shape[1:3]
        or img.shape[0] != fl.shape[0]
    ):
        raise ValueError(
            f"warp: image (N,C,H,W) and flow (N,H,W,2) must agree, got {tuple(img.shape)} "
            f"and {tuple(fl.shape)}"
        )
    n, _, h, w = img.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, dtype=fl.dtype, device=fl.device),
        torch.arange(w, dtype=fl.dtype, device=fl.device),
        indexing="ij",
    )
    px = xs[None] + fl[..., 0]
    py = ys[None] + fl[..., 1]
    grid = torch.stack((2.0 * px / max(w - 1, 1) - 1.0, 2.0 * py / max(h - 1, 1) - 1.0), dim=-1)
    out = F.grid_sample(img, grid.to(img.dtype), mode="bilinear", padding_mode="zeros", align_corners=True)
    eps = 1e-4
    valid = ((px >= -eps) & (px <= w - 1 + eps) & (py >= -eps) & (py <= h - 1 + eps)).to(img.dtype)[:, None]
    out = out * valid
    if as_numpy:
        return out[0].permute(1, 2, 0).numpy(), valid[0, 0].numpy()
    return out, valid


def end_point_error(flow: np.ndarray, ref: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean end-point error ``|flow - ref|_2`` (optionally over ``mask`` > 0)."""
    err = np.linalg.norm(np.asarray(flow, np.float64) - np.asarray(ref, np.float64), axis=-1)
    if mask is not None:
        m = np.asarray(mask) > 0
        return float(err[m].mean()) if m.any() else float("nan")
    return float(err.mean())


def motion_weight_map(
    flow: np.ndarray, floor: float = 0.1, percentile: float = 99.0, reference: float | None = None
) -> np.ndarray:
    """``(..., H, W, 2)`` flow -> ``(..., H, W)`` float32 weights in [floor, 1]: SoSR's pixel-loss weights,
    ``floor + (1 - floor) * min(m / m_ref, 1)`` with ``m_ref`` the frame's ``percentile`` of the magnitude
    ``m``, or ``reference`` px when given (then a frame where little moves keeps its pixels near the floor
    instead of having its largest motion, however small, scaled up to weight 1)."""
    magnitude = np.linalg.norm(np.asarray(flow, np.float32), axis=-1)
    if reference is not None:
        if reference <= 0:
            raise ValueError(f"motion_weight_map reference must be > 0 px (got {reference})")
        ref = np.float32(reference)
    else:
        ref = np.percentile(magnitude.reshape(*magnitude.shape[:-2], -1), percentile, axis=-1)[
            ..., None, None
        ]
    return (floor + (1 - floor) * np.clip(magnitude / np.maximum(ref, 1e-3), 0, 1)).astype(np.float32)
