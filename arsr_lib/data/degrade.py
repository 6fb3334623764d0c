"""MATLAB-compatible bicubic resizing: the paper's degradation and its "Bicubic" baseline.

``imresize`` reproduces MATLAB's ``imresize(I, scale, 'bicubic')``: the cubic convolution
kernel with a = -0.5 (Keys), and when shrinking, antialiasing by stretching the kernel by
``1/scale`` (``h(x) = scale * cubic(scale * x)``, support ``4/scale``); borders are handled
by symmetric (mirror) index padding and each output pixel's weights are normalised to sum 1.
MATLAB resizes one dimension at a time, rows (the height) first; uint8 input is rounded half away from zero
and saturated after each of the two passes, as MATLAB converts back to the input's class after each, so that
the output matches MATLAB's pixel for pixel (golden test against MATLAB-made Set5 x4 LR images).

The paper's LR frames are ``imresize(HR, 1/4)`` (rounded to uint8); its "Bicubic" baseline is
``imresize(LR, 4)``. HR frames whose sides are not multiples of the scale are first cropped
at the bottom and right (BasicSR's ``modcrop``), so that LR x scale == HR exactly.
"""

from __future__ import annotations

import math

import numpy as np

from arsr_lib.core.protocol import SCALE


def cubic(x: np.ndarray, a: float = -0.5) -> np.ndarray:
    """Keys' cubic convolution kernel (MATLAB's bicubic uses a = -0.5)."""
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    inner = (a + 2) * ax3 - (a + 3) * ax2 + 1
    outer = a * ax3 - 5 * a * ax2 + 8 * a * ax - 4 * a
    return np.where(ax <= 1, inner, np.where(ax <= 2, outer, 0.0))


def resize_matrix(
    in_len: int, out_len: int, scale: float, antialias: bool = True, padding: str = "symmetric"
) -> np.ndarray:
    """Dense ``(out_len, in_len)`` matrix M with ``out = M @ in`` along one axis (MATLAB rules)."""
    if in_len < 1 or out_len < 1:
        raise ValueError(f"resize_matrix: lengths must be >= 1 (in_len={in_len}, out_len={out_len})")
    kernel_width = 4.0
    if scale < 1 and antialias:
        kernel_width /= scale
        kernel = lambda x: scale * cubic(scale * x)  # noqa: E731
    else:
        kernel = cubic
    x = np.arange(1, out_len + 1, dtype=np.float64)  # 1-based output coordinates
    u = x / scale + 0.5 * (1 - 1 / scale)  # matching input coordinate (1-based)
    left = np.floor(u - kernel_width / 2)
    taps = int(math.ceil(kernel_width)) + 2
    idx = left[:, None] + np.arange(taps)[None, :]  # 1-based input indices
    w = kernel(u[:, None] - idx)
    w = w / w.sum(axis=1, keepdims=True)
    # symmetric padding: index sequence 1..n, n..1 repeated
    if padding == "symmetric":  # MATLAB's contributions(): index sequence 1..n, n..1 repeated
        aux = np.concatenate([np.arange(1, in_len + 1), np.arange(in_len, 0, -1)])
        src = aux[np.mod(idx.astype(np.int64) - 1, len(aux))] - 1  # 0-based
    elif padding == "replicate":  # the edge pixel repeated
        src = np.clip(idx.astype(np.int64) - 1, 0, in_len - 1)
    else:
        raise ValueError(f"resize_matrix: padding must be 'symmetric' or 'replicate' (got {padding!r})")
    m = np.zeros((out_len, in_len), dtype=np.float64)
    rows = np.repeat(np.arange(out_len), taps)
    np.add.at(m, (rows, src.ravel()), w.ravel())
    return m


def _out_len(n: int, scale: float) -> int:
    return int(math.ceil(n * scale))


def imresize(img: np.ndarray, scale: float, antialias: bool = True, padding: str = "symmetric") -> np.ndarray:
    """MATLAB ``imresize(img, scale, 'bicubic')`` on ``(H, W)``, ``(H, W, C)`` or ``(T, H, W, C)``.

    ``padding``: how the kernel sees beyond the borders, ``"symmetric"`` (MATLAB's imresize source) or
    ``"replicate"`` (what the MATLAB-made Set5 LR images of the SR literature match exactly;
    docs/protocols.md). Works in float64, one dimension at a time (height first); uint8 input returns uint8
    (round half away from zero and clip to 0..255 after each pass), float input returns float64 (unclipped).
    """
    img = np.asarray(img)
    if scale <= 0:
        raise ValueError(f"imresize: scale must be > 0, got {scale}")
    if img.ndim == 2:
        hw_axes, arr = (0, 1), img[:, :, None]
    elif img.ndim == 3:
        hw_axes, arr = (0, 1), img
    elif img.ndim == 4:
        hw_axes, arr = (1, 2), img
    else:
        raise ValueError(f"imresize: expected 2-4 dims, got shape {img.shape}")
    h, w = arr.shape[hw_axes[0]], arr.shape[hw_axes[1]]
    mh = resize_matrix(h, _out_len(h, scale), scale, antialias, padding)
    mw = resize_matrix(w, _out_len(w, scale), scale, antialias, padding)
    a = arr.astype(np.float64)
    h_axis = hw_axes[0]
    # MATLAB resizes one dimension at a time, the first dimension (rows: along the height) first, and an
    # integer image is converted back to its class after each pass: uint8 is rounded between the passes too
    along_h = np.moveaxis(np.tensordot(mh, a, axes=([1], [h_axis])), 0, h_axis)
    if img.dtype == np.uint8:
        along_h = _round_uint8(along_h)
    out = np.moveaxis(np.tensordot(mw, along_h, axes=([1], [h_axis + 1])), 0, h_axis + 1)
    if img.ndim == 2:
        out = out[:, :, 0]
    if img.dtype == np.uint8:
        return _round_uint8(out).astype(np.uint8)
    return out


def _round_uint8(x: np.ndarray) -> np.ndarray:
    """MATLAB's conversion to uint8: round half away from zero, saturate to 0..255 (kept as float64)."""
    return np.clip(np.sign(x) * np.floor(np.abs(x) + 0.5), 0, 255)


def modcrop(frames: np.ndarray, scale: int = SCALE) -> np.ndarray:
    """Crop bottom/right so that height and width are multiples of ``scale``.

    Accepts ``(H, W[, C])`` or ``(T, H, W, C)``.
    """
    frames = np.asarray(frames)
    hw = (0, 1) if frames.ndim in (2, 3) else (1, 2)
    h, w = frames.shape[hw[0]], frames.shape[hw[1]]
    h2, w2 = h - h % scale, w - w % scale
    if h2 == 0 or w2 == 0:
        raise ValueError(f"modcrop: frame size {h}x{w} is smaller than the scale {scale}")
    if hw == (0, 1):
        return frames[:h2, :w2]
    return frames[:, :h2, :w2]


def downscale(hr: np.ndarray, scale: int = SCALE) -> np.ndarray:
    """The paper's LR: modcrop, then MATLAB bicubic ``imresize(HR, 1/scale)`` rounded to uint8."""
    return imresize(modcrop(hr, scale), 1.0 / scale)


def bicubic_upscale(lr: np.ndarray, scale: int = SCALE) -> np.ndarray:
    """The paper's "Bicubic" baseline: MATLAB bicubic ``imresize(LR, scale)``."""
    return imresize(lr, float(scale))
