"""TV-L1 optical flow in torch, batched: OpenCV's ``DualTVL1OpticalFlow`` on any device torch supports.

The algorithm is Zach, Pock and Bischof's duality-based TV-L1 (2007) as OpenCV's ``tvl1flow.cpp`` computes
it, with the parameters pinned in :data:`arsr_lib.core.protocol.TVL1_PARAMS`: a pyramid of ``nscales``
levels (each ``scaleStep`` of the one above, bilinear, stopping above 16 px), coarse to fine; at each level
``warps`` warpings of the second image by the current flow (bicubic, zero outside the frame) with its
centred gradient; per warping up to ``outerIterations`` x ``innerIterations`` fixed-point iterations of the
thresholding step (``v``), the primal step (``u = v + theta div p``) and the dual step (``p``), stopped when
the summed squared change of ``u`` falls to ``epsilon**2`` x the level's area; the flow is carried to the
next level by bilinear resizing and scaling. Median filtering of ``u`` between outer iterations when
``medianFiltering > 1`` (the pinned protocol has it off, as dense_flow's OpenCV 2.4 had). Grey input is made
as OpenCV's ``COLOR_RGB2GRAY`` makes it from uint8 (fixed-point BT.601, rounded: bit for bit).

Each pair of a batch stops on its own: a pair whose change fell below the bound is frozen while the others
iterate, so a pair's flow does not depend on what it is batched with. Frames of one batch have one size
(:func:`tvl1_flow` groups a list of pairs by size). Where the two implementations differ: OpenCV resizes and
remaps in float32 with its own rounding of interpolation weights (fixed-point in places); torch's
``grid_sample`` computes bicubic weights in float with the same kernel (a = -0.75). The accuracy report
(``benchmarks/bench_tvl1.py``) measures the difference.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from arsr_lib.core.protocol import TVL1_PARAMS

MIN_SIZE = 16  # OpenCV stops the pyramid at a level under 16 px


def rgb_to_grey(frames: torch.Tensor) -> torch.Tensor:
    """OpenCV's ``COLOR_RGB2GRAY`` of uint8 RGB ``(..., H, W, 3)``, bit for bit: its 15-bit fixed point
    ``(R*9798 + G*19235 + B*3735 + 2**14) >> 15``, as float32 grey levels ``(..., H, W)``."""
    if frames.dtype != torch.uint8 or frames.shape[-1] != 3:
        raise ValueError(
            f"rgb_to_grey: need uint8 (..., H, W, 3) frames, got {tuple(frames.shape)} {frames.dtype}"
        )
    x = frames.to(torch.int32)
    grey = (x[..., 0] * 9798 + x[..., 1] * 19235 + x[..., 2] * 3735 + (1 << 14)) >> 15
    return grey.to(torch.float32)


def _cv_round(x: float) -> int:
    """OpenCV's cvRound: to nearest, ties to even."""
    return int(round(x))


def _pixel_grid(h: int, w: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    ys, xs = torch.meshgrid(
        torch.arange(h, device=device, dtype=torch.float32),
        torch.arange(w, device=device, dtype=torch.float32),
        indexing="ij",
    )
    return xs, ys


def _sample(img: torch.Tensor, x: torch.Tensor, y: torch.Tensor, mode: str, padding: str) -> torch.Tensor:
    """``img`` (B, 1, H, W) at pixel coordinates ``x``, ``y`` (B, h, w) (pixel centres at integers)."""
    h, w = img.shape[-2:]
    grid = torch.stack(((2 * x + 1) / w - 1, (2 * y + 1) / h - 1), dim=-1)
    return F.grid_sample(img, grid, mode=mode, padding_mode=padding, align_corners=False)


def _resize(img: torch.Tensor, size: tuple[int, int], scale: float | None) -> torch.Tensor:
    """OpenCV's ``resize(..., INTER_LINEAR)`` of (B, 1, H, W) to ``size`` (h, w): source coordinate
    ``(dst + 0.5) / scale - 0.5`` with ``scale`` the factor given (fx, as the pyramid calls it) or the size
    ratio (dsize), borders replicated."""
    b, _, h, w = img.shape
    oh, ow = size
    sx = scale if scale is not None else ow / w
    sy = scale if scale is not None else oh / h
    xs, ys = _pixel_grid(oh, ow, img.device)
    x = ((xs + 0.5) / sx - 0.5).expand(b, oh, ow)
    y = ((ys + 0.5) / sy - 0.5).expand(b, oh, ow)
    return _sample(img, x, y, "bilinear", "border")


def _centred_gradient(img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """OpenCV's ``centeredGradient``: central differences, half one-sided differences on the border (a
    replicated border)."""
    p = F.pad(img, (1, 1, 1, 1), mode="replicate")
    dx = 0.5 * (p[..., 1:-1, 2:] - p[..., 1:-1, :-2])
    dy = 0.5 * (p[..., 2:, 1:-1] - p[..., :-2, 1:-1])
    return dx, dy


def _forward_gradient(u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward differences, 0 on the last column (x) and row (y)."""
    dx = F.pad(u[..., :, 1:] - u[..., :, :-1], (0, 1, 0, 0))
    dy = F.pad(u[..., 1:, :] - u[..., :-1, :], (0, 0, 0, 1))
    return dx, dy


def _divergence(px: torch.Tensor, py: torch.Tensor) -> torch.Tensor:
    """Backward differences, the adjoint of :func:`_forward_gradient` (OpenCV's ``divergence``)."""
    dx = torch.cat((px[..., :, :1], px[..., :, 1:] - px[..., :, :-1]), dim=-1)
    dy = torch.cat((py[..., :1, :], py[..., 1:, :] - py[..., :-1, :]), dim=-2)
    return dx + dy


def _median(u: torch.Tensor, k: int) -> torch.Tensor:
    """``k`` x ``k`` median with a replicated border (OpenCV's ``medianBlur`` of a float image)."""
    r = k // 2
    p = F.pad(u, (r, r, r, r), mode="replicate")
    patches = p.unfold(-2, k, 1).unfold(-2, k, 1)
    return patches.reshape(*u.shape, k * k).median(dim=-1).values


def _inner(u1, u2, p11, p12, p21, p22, i1wx, i1wy, grad, rho_c, keep, l_t: float, taut: float, theta: float):
    """One fixed-point iteration (OpenCV's estimateV, divergence, estimateU, forwardGradient and
    estimateDualVariables) for the pairs where ``keep`` (B, 1, 1, 1); returns the updated ``u1, u2, p11, p12,
    p21, p22`` and each pair's summed squared change of ``u``. Element-wise work over the frame: the function
    ``torch.compile`` fuses (``fused=True``)."""
    rho = rho_c + i1wx * u1 + i1wy * u2
    fi = torch.where(grad > 1.1920929e-07, -rho / grad, torch.zeros_like(rho))
    low, high = rho < -l_t * grad, rho > l_t * grad
    d1 = torch.where(low, l_t * i1wx, torch.where(high, -l_t * i1wx, fi * i1wx))
    d2 = torch.where(low, l_t * i1wy, torch.where(high, -l_t * i1wy, fi * i1wy))
    n1 = u1 + d1 + theta * _divergence(p11, p12)
    n2 = u2 + d2 + theta * _divergence(p21, p22)
    error = ((n1 - u1) ** 2 + (n2 - u2) ** 2).sum(dim=(1, 2, 3))
    u1, u2 = torch.where(keep, n1, u1), torch.where(keep, n2, u2)
    u1x, u1y = _forward_gradient(u1)
    u2x, u2y = _forward_gradient(u2)
    ng1 = 1 + taut * torch.sqrt(u1x**2 + u1y**2)
    ng2 = 1 + taut * torch.sqrt(u2x**2 + u2y**2)
    p11 = torch.where(keep, (p11 + taut * u1x) / ng1, p11)
    p12 = torch.where(keep, (p12 + taut * u1y) / ng1, p12)
    p21 = torch.where(keep, (p21 + taut * u2x) / ng2, p21)
    p22 = torch.where(keep, (p22 + taut * u2y) / ng2, p22)
    return u1, u2, p11, p12, p21, p22, error


_FUSED: dict = {}


def _inner_fn(fused: bool):
    if not fused:
        return _inner
    if "inner" not in _FUSED:
        _FUSED["inner"] = torch.compile(_inner, dynamic=True)
    return _FUSED["inner"]


def _one_scale(i0, i1, u1, u2, p: dict, fused: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """OpenCV's ``procOneScale`` for a batch (B, 1, h, w): the flow refined from ``u1``, ``u2``."""
    b, _, h, w = i0.shape
    l_t, taut, theta = p["lambda_"] * p["theta"], p["tau"] / p["theta"], p["theta"]
    eps = p["epsilon"] ** 2 * h * w
    inner = _inner_fn(fused)
    i1x, i1y = _centred_gradient(i1)
    xs, ys = _pixel_grid(h, w, i0.device)
    p11, p12, p21, p22 = (torch.zeros_like(u1) for _ in range(4))
    for _ in range(p["warps"]):
        x, y = xs + u1[:, 0], ys + u2[:, 0]
        i1w = _sample(i1, x, y, "bicubic", "zeros")
        i1wx = _sample(i1x, x, y, "bicubic", "zeros")
        i1wy = _sample(i1y, x, y, "bicubic", "zeros")
        grad = i1wx**2 + i1wy**2
        rho_c = i1w - i1wx * u1 - i1wy * u2 - i0
        active = torch.ones(b, dtype=torch.bool, device=i0.device)
        for _ in range(p["outerIterations"]):
            if not active.any():
                break
            if p["medianFiltering"] > 1:
                keep = active.view(b, 1, 1, 1)
                u1 = torch.where(keep, _median(u1, p["medianFiltering"]), u1)
                u2 = torch.where(keep, _median(u2, p["medianFiltering"]), u2)
            for _ in range(p["innnerIterations"]):
                if not active.any():
                    break
                keep = active.view(b, 1, 1, 1)
                u1, u2, p11, p12, p21, p22, error = inner(
                    u1, u2, p11, p12, p21, p22, i1wx, i1wy, grad, rho_c, keep, l_t, taut, theta
                )
                active = active & (error > eps)
    return u1, u2


def tvl1_batch(
    grey0: torch.Tensor, grey1: torch.Tensor, params: dict | None = None, fused: bool = False
) -> torch.Tensor:
    """Forward flow ``(B, H, W, 2)`` (pixels, x then y) from ``grey0`` to ``grey1``, float grey levels
    ``(B, H, W)`` of one size, on their device; ``fused``: the iteration compiled by ``torch.compile``."""
    p = {**TVL1_PARAMS, **(params or {})}
    if grey0.shape != grey1.shape or grey0.ndim != 3:
        raise ValueError(
            f"tvl1_batch: need two (B, H, W) batches of one size, got {tuple(grey0.shape)} and "
            f"{tuple(grey1.shape)}"
        )
    b, h, w = grey0.shape
    if h < 2 or w < 2:
        raise ValueError(f"tvl1_batch: frames of {h}x{w} px are too small for flow (need at least 2x2)")
    if not (torch.isfinite(grey0).all() and torch.isfinite(grey1).all()):
        raise ValueError("tvl1_batch: the frames hold NaN or infinite values")
    i0s, i1s = [grey0[:, None].float()], [grey1[:, None].float()]
    step = float(p["scaleStep"])
    for _ in range(1, int(p["nscales"])):
        ph, pw = i0s[-1].shape[-2:]
        size = (_cv_round(ph * step), _cv_round(pw * step))
        if size[0] < MIN_SIZE or size[1] < MIN_SIZE:
            break
        i0s.append(_resize(i0s[-1], size, step))
        i1s.append(_resize(i1s[-1], size, step))
    u1 = torch.zeros_like(i0s[-1])
    u2 = torch.zeros_like(i0s[-1])
    for s in range(len(i0s) - 1, -1, -1):
        u1, u2 = _one_scale(i0s[s], i1s[s], u1, u2, p, fused)
        if s == 0:
            break
        size = (int(i0s[s - 1].shape[-2]), int(i0s[s - 1].shape[-1]))
        u1 = _resize(u1, size, None) / step
        u2 = _resize(u2, size, None) / step
    return torch.stack((u1[:, 0], u2[:, 0]), dim=-1)


def tvl1_flow(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    device: str | torch.device = "cpu",
    batch: int = 16,
    params: dict | None = None,
    fused: bool = False,
) -> list[np.ndarray]:
    """TV-L1 flow ``(H, W, 2)`` float32 of each frame pair (uint8 RGB ``(H, W, 3)`` or grey ``(H, W)``), in
    order; pairs are grouped by size and computed ``batch`` at a time on ``device``. An out-of-memory error
    names ``batch``."""
    if batch < 1:
        raise ValueError(f"tvl1_flow: batch must be >= 1 (got {batch})")
    if multiprocessing.parent_process() is not None and torch.get_num_threads() != 1:
        # a worker of a process pool (rawframes, SR test frames): the pool is the parallelism, and torch's
        # thread pool inherited through fork from a parent that used it deadlocks; one thread runs inline
        torch.set_num_threads(1)
    out: list[np.ndarray | None] = [None] * len(pairs)
    by_size: dict[tuple, list[int]] = {}
    for k, (a, b) in enumerate(pairs):
        if a.shape != b.shape:
            raise ValueError(f"tvl1_flow: pair {k} has frames of different sizes {a.shape} and {b.shape}")
        by_size.setdefault(tuple(a.shape), []).append(k)
    for idx in by_size.values():
        for start in range(0, len(idx), batch):
            chunk = idx[start : start + batch]
            g0 = torch.stack([_grey(pairs[k][0]) for k in chunk]).to(device)
            g1 = torch.stack([_grey(pairs[k][1]) for k in chunk]).to(device)
            try:
                flow = tvl1_batch(g0, g1, params, fused).cpu().numpy()
            except torch.OutOfMemoryError as exc:
                raise MemoryError(
                    f"tvl1_flow: {len(chunk)} pairs of {g0.shape[-1]}x{g0.shape[-2]} px do not fit on "
                    f"{device}: lower compute.flow_batch (the batch, now {batch})"
                ) from exc
            for k, f in zip(chunk, flow):
                out[k] = f.astype(np.float32)
    return out  # type: ignore[return-value]


def _grey(frame: np.ndarray) -> torch.Tensor:
    frame = np.ascontiguousarray(frame)
    # a read-only array (a cached video's frames) is copied: torch wants a tensor it could write
    f = torch.from_numpy(frame if frame.flags.writeable else frame.copy())
    if f.ndim == 2:
        if f.dtype != torch.uint8:
            raise ValueError(f"tvl1_flow: grey frames must be uint8, got {f.dtype}")
        return f.to(torch.float32)
    return rgb_to_grey(f)


def iterations_per_pair(h: int, w: int, params: dict | None = None) -> float:
    """Full-resolution-equivalent fixed-point iterations of one pair at most (every level's pixels x its
    iterations, over the full frame's pixels): the cost model of the speed report."""
    p = {**TVL1_PARAMS, **(params or {})}
    total, area, step = 0.0, h * w, float(p["scaleStep"])
    ph, pw = h, w
    for _ in range(int(p["nscales"])):
        if ph < MIN_SIZE or pw < MIN_SIZE:
            break
        total += ph * pw / area * p["warps"] * p["outerIterations"] * p["innnerIterations"]
        ph, pw = _cv_round(ph * step), _cv_round(pw * step)
    return total


# the traffic of one iteration per pixel (the speed report's memory model): unfused, some 27 element-wise
# torch ops over the frame, each reading about two float32 operands and writing one (~80 accesses); fused, one
# kernel reading u1, u2, the four p, I1w_x, I1w_y, grad and rho_c and writing u1, u2 and the four p (16)
BYTES_PER_PIXEL_ITERATION = {False: 80 * 4, True: 16 * 4}


def bytes_per_pair(h: int, w: int, fused: bool, params: dict | None = None) -> float:
    """Memory traffic of one pair at most (every iteration run): the GPU projection's model."""
    return iterations_per_pair(h, w, params) * h * w * BYTES_PER_PIXEL_ITERATION[fused]
