"""SR and flow-consistency metrics, with the conventions of MATLAB / BasicSR.

* ``psnr_y`` / ``ssim_y``: uint8 RGB frames, border of ``crop`` pixels (default the scale, 4)
  removed first, then Y of ITU-R BT.601 ("MATLAB" ``rgb2ycbcr``: 16..235), float64.
  SSIM: 11x11 Gaussian, sigma 1.5, "valid" filtering, K1 0.01, K2 0.03, L 255.
* ``masked_psnr_y``: PSNR over a region (e.g. SynthActions actor masks).
* ``weighted_psnr_y``: PSNR of the motion-weighted MSE (weights normalised to mean 1).
* ``warping_error``: mean |SR_t - W(SR_{t+1}, F_t)| over valid pixels, F = flow t -> t+1 of the
  HR video; the flicker measure (0 for a perfectly consistent video).
* ``detail_recovery``: for two videos that differ only in a detail (SynthActions' twin classes), the part
  of their HR difference that the SR outputs reproduce: <D_SR, D_HR> / <D_HR, D_HR> on Y, D = a - b
  (1: the detail fully restored; 0: the outputs carry none of it).
"""

from __future__ import annotations

import numpy as np

from arsr_lib.core.protocol import SCALE
from arsr_lib.data.flow import warp


def rgb_to_y(img: np.ndarray) -> np.ndarray:
    """BT.601 luma on the 16..235 scale from RGB in 0..255 (any leading dims), float64."""
    x = np.asarray(img, np.float64)
    return 16.0 + (65.481 * x[..., 0] + 128.553 * x[..., 1] + 24.966 * x[..., 2]) / 255.0


def _crop(x: np.ndarray, crop: int) -> np.ndarray:
    return x[..., crop : x.shape[-2] - crop, crop : x.shape[-1] - crop] if crop else x


def luma(img: np.ndarray) -> np.ndarray:
    """What the Y metrics compare, float64 ``(..., H, W)``: BT.601 Y of RGB ``(..., H, W, 3)``; a grey image
    ``(H, W)`` or ``(..., H, W, 1)`` on its own channel, unmapped (the published SR benchmarks' convention
    for Set14's and BSD100's grey images, as BasicSR and the MATLAB scripts score them)."""
    x = np.asarray(img)
    if x.ndim == 2:
        return x.astype(np.float64)
    if x.ndim >= 3 and x.shape[-1] == 1:
        return x[..., 0].astype(np.float64)
    if x.ndim >= 3 and x.shape[-1] == 3:
        return rgb_to_y(x)
    raise ValueError(
        f"expected RGB (..., H, W, 3) or grey (H, W) / (..., H, W, 1) images, got shape {x.shape}"
    )


def _prep(a, b, crop):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"metric inputs differ in shape: {a.shape} vs {b.shape}")
    return _crop(luma(a), crop), _crop(luma(b), crop)


def _psnr_from_mse(mse: float) -> float:
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def psnr_rgb(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Plain RGB PSNR (uint8 scale) over all channels, for data-preparation statistics (SR tables use
    ``psnr_y``)."""
    d = (np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2
    if mask is not None:
        d = d[np.broadcast_to(mask[..., None], d.shape)] if d.ndim == mask.ndim + 1 else d[mask]
    mse = float(d.mean())
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def psnr_y(sr: np.ndarray, hr: np.ndarray, crop: int = SCALE) -> float:
    """PSNR on Y with ``crop`` border pixels removed; frames ``(H, W, 3)`` or ``(T, H, W, 3)`` (mean of
    per-frame MSE); grey images ``(H, W)`` on their own channel (:func:`luma`)."""
    a, b = _prep(sr, hr, crop)
    return _psnr_from_mse(float(np.mean((a - b) ** 2)))


def masked_psnr_y(sr: np.ndarray, hr: np.ndarray, mask: np.ndarray, crop: int = SCALE) -> float:
    a, b = _prep(sr, hr, crop)
    m = _crop(np.asarray(mask, bool), crop)
    if not m.any():
        return float("nan")
    return _psnr_from_mse(float(np.mean(((a - b) ** 2)[m])))


def weighted_psnr_y(sr: np.ndarray, hr: np.ndarray, weight: np.ndarray, crop: int = SCALE) -> float:
    a, b = _prep(sr, hr, crop)
    w = _crop(np.asarray(weight, np.float64), crop)
    return _psnr_from_mse(float(np.sum(w * (a - b) ** 2) / np.sum(w)))


def _gauss_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    ax = np.arange(size) - (size - 1) / 2
    g = np.exp(-(ax**2) / (2 * sigma**2))
    g /= g.sum()
    return np.outer(g, g)


def _filter_valid(x: np.ndarray, win: np.ndarray) -> np.ndarray:
    import cv2

    full = cv2.filter2D(x, cv2.CV_64F, win, borderType=cv2.BORDER_CONSTANT)
    r = win.shape[0] // 2
    return full[r : x.shape[0] - r, r : x.shape[1] - r]


def ssim_y(sr: np.ndarray, hr: np.ndarray, crop: int = SCALE) -> float:
    """MATLAB-style SSIM on Y; ``(T, H, W, 3)`` input gives the mean over frames."""
    a, b = _prep(sr, hr, crop)
    if a.ndim == 3:
        return float(np.mean([_ssim(x, y) for x, y in zip(a, b)]))
    return _ssim(a, b)


def _ssim(a: np.ndarray, b: np.ndarray) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    w = _gauss_window()
    mu_a, mu_b = _filter_valid(a, w), _filter_valid(b, w)
    saa = _filter_valid(a * a, w) - mu_a**2
    sbb = _filter_valid(b * b, w) - mu_b**2
    sab = _filter_valid(a * b, w) - mu_a * mu_b
    m = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a**2 + mu_b**2 + c1) * (saa + sbb + c2))
    return float(m.mean())


def warping_error(frames: np.ndarray, flow: np.ndarray) -> float:
    """Mean |X_t - W(X_{t+1}, F_t)| (0..255 scale) over valid pixels, all t; ``flow`` (T-1, H, W, 2) of HR."""

    frames = np.asarray(frames, np.float32)
    errs, counts = 0.0, 0
    for t in range(len(flow)):
        w, valid = warp(frames[t + 1], flow[t])
        v = valid > 0
        errs += float(np.abs(w - frames[t])[v].sum())
        counts += int(v.sum()) * frames.shape[-1]
    return errs / max(counts, 1)


def detail_recovery(
    sr_a: np.ndarray, sr_b: np.ndarray, hr_a: np.ndarray, hr_b: np.ndarray, crop: int = SCALE
) -> float:
    """Share of the HR difference between two videos (identical but for a detail) that their SR outputs
    reproduce in phase: ``<D_SR, D_HR> / <D_HR, D_HR>`` on Y with ``crop`` border pixels removed, ``D = a -
    b``. 1 when the SR difference equals the HR one, 0 when it carries none of it (e.g. identical outputs); a
    blurred detail scores its remaining contrast, a hallucinated one in the wrong place nothing."""
    sa, sb = _prep(sr_a, sr_b, crop)
    ha, hb = _prep(hr_a, hr_b, crop)
    if sa.shape != ha.shape:
        raise ValueError(f"detail_recovery: SR and HR differ in shape: {sa.shape} vs {ha.shape}")
    d_hr, d_sr = ha - hb, sa - sb
    den = float(np.sum(d_hr * d_hr))
    if den == 0:
        raise ValueError("detail_recovery: the two HR videos are identical, there is no detail to recover")
    return float(np.sum(d_sr * d_hr) / den)
