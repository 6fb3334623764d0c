"""Optical flow as colour (the Middlebury colour wheel of Baker et al.): hue is the direction, saturation the
magnitude, for figures and the viewer."""

from __future__ import annotations

import numpy as np


def _color_wheel() -> np.ndarray:
    segments = [
        (15, (255, 0, 0), (255, 255, 0)),  # red -> yellow
        (6, (255, 255, 0), (0, 255, 0)),  # yellow -> green
        (4, (0, 255, 0), (0, 255, 255)),  # green -> cyan
        (11, (0, 255, 255), (0, 0, 255)),  # cyan -> blue
        (13, (0, 0, 255), (255, 0, 255)),  # blue -> magenta
        (6, (255, 0, 255), (255, 0, 0)),
    ]  # magenta -> red
    rows = []
    for n, a, b in segments:
        t = np.arange(n)[:, None] / n
        rows.append(np.asarray(a)[None] * (1 - t) + np.asarray(b)[None] * t)
    return np.concatenate(rows).astype(np.float64)  # (55, 3)


_WHEEL = _color_wheel()


def flow_to_color(flow: np.ndarray, max_magnitude: float | None = None) -> np.ndarray:
    """Colour-code ``(H, W, 2)`` flow (Middlebury wheel): hue = direction, saturation = magnitude.

    ``max_magnitude`` normalises the radius (default: the largest magnitude in ``flow``);
    pass a shared value to compare several flows in one figure.
    """
    flow = np.asarray(flow, np.float64)
    u, v = flow[..., 0], flow[..., 1]
    mag = np.hypot(u, v)
    rmax = float(max_magnitude) if max_magnitude else float(mag.max())
    rmax = max(rmax, 1e-9)
    rad = mag / rmax
    ang = np.arctan2(-v, -u) / np.pi  # -1..1
    ncols = len(_WHEEL)
    fk = (ang + 1) / 2 * (ncols - 1)
    k0 = np.floor(fk).astype(int)
    k1 = (k0 + 1) % ncols
    f = (fk - k0)[..., None]
    col = ((1 - f) * _WHEEL[k0] + f * _WHEEL[k1]) / 255.0
    r = np.clip(rad, 0, None)[..., None]
    inside = r <= 1
    col = np.where(inside, 1 - r * (1 - col), col * 0.75)
    return np.clip(np.floor(255 * col), 0, 255).astype(np.uint8)
