"""Rendering one clip: frames, actor masks and the exact optical flow of the rendered scene."""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from arsr_lib.data.synth.actor import ClipParams, GroupStyle, _rng, clip_params, group_style, skeleton
from arsr_lib.data.synth.drawing import _background, _draw, _primitives
from arsr_lib.data.synth.spec import CLASS_SPECS, SCENES, SynthConfig


# ---------------------------------------------------------------------------------------------
# rendering a clip: frames, masks and exact flow
# ---------------------------------------------------------------------------------------------
def render_clip(cfg: SynthConfig, class_name: str, group: int, clip: int) -> dict:
    """Render one clip: ``frames`` (T,H,W,3) uint8, ``masks`` (T,H,W) bool, ``flow`` (T-1,H,W,2) float32,
    ``params`` (per-frame part poses for tests)."""
    motion, obj, direction = CLASS_SPECS[class_name]
    style = scene_style(cfg, class_name, group, clip)
    p = clip_params(cfg, group, clip)
    T, H, W = cfg.frames, cfg.height, cfg.width
    pan_total = abs(p.pan) * (T - 1)
    extra = int(math.ceil(pan_total)) + 2
    canvas = _background(cfg, style, extra)
    prims = _primitives(style, obj, cfg, p.scale)
    names = [name for name, _ in prims]
    part_ids = {n: i + 1 for i, n in enumerate(dict.fromkeys(names))}
    ball_id = len(part_ids) + 1
    noise_rng = _rng(cfg, 3, group, clip)  # class-independent: paired classes differ only where intended

    frames = np.empty((T, H, W, 3), np.uint8)
    ids = np.empty((T, H, W), np.int32)
    poses = []
    for t in range(T):
        img = _background_window(canvas, p, t, extra, W, H)
        idm = np.zeros((H, W), np.int32)
        parts = skeleton(  # the camera pans over a static world
            motion, direction, p, t, T, pan_offset=-p.pan * t, spin=cfg.spin_speed
        )
        if cfg.distractor:
            bx, by = _ball(p, t)
            parts["ball"] = (np.array([bx, by]), 0.0)
        poses.append(parts)
        _draw_parts(img, idm, prims, parts, part_ids, ball_id if cfg.distractor else None, p.scale)
        if cfg.noise_sigma > 0:
            img = np.clip(img + noise_rng.normal(0, cfg.noise_sigma, img.shape), 0, 255).astype(np.uint8)
        frames[t] = img
        ids[t] = idm
    masks = (ids > 0) & (ids != ball_id)
    flow = _true_flow(ids, poses, part_ids, ball_id, p, cfg)
    return {"frames": frames, "masks": masks, "flow": flow, "poses": poses, "part_ids": part_ids}


def scene_style(cfg: SynthConfig, class_name: str, group: int, clip: int) -> GroupStyle:
    """The group's style, filmed in the class's scene (``SCENES``) with probability ``cfg.scene_context``.
    The draw is seeded by (seed, group, clip) only and each pair shares its scene: paired classes keep one
    background."""
    style = group_style(cfg, group)
    if cfg.scene_context > 0 and _rng(cfg, 4, group, clip).random() < cfg.scene_context:
        style = dataclasses.replace(style, texture=SCENES[class_name])
    return style


def _background_window(canvas: np.ndarray, p: ClipParams, t: int, extra: int, W: int, H: int) -> np.ndarray:
    """Frame ``t``'s view of the background canvas: the camera pans over a static world."""
    if not p.pan:
        return canvas[:, :W].copy()
    x0 = (extra - 1) / 2 + p.pan * t  # background window moves by -pan
    m = np.array([[1, 0, x0], [0, 1, 0]], np.float32)
    return cv2.warpAffine(
        canvas, m, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REFLECT
    )


def _draw_parts(img, idm, prims, parts: dict, part_ids: dict, ball_id: int | None, scale: float) -> None:
    """Draw the body parts and held objects (and the distractor ball when ``ball_id``) into the frame ``img``
    (anti-aliased) and the part-id map ``idm``."""
    for name, plist in prims:
        o, a = parts[name]
        for prim in plist:
            _draw(img, prim[0], prim[1], prim[2:], o, a, aa=True)
            _draw(idm, prim[0], part_ids[name], prim[2:], o, a, aa=False)
    if ball_id is not None:
        r = 0.035 * scale
        _draw(img, "circle", (250, 250, 250), ((0.0, 0.0), r), parts["ball"][0], 0.0, aa=True)
        _draw(idm, "circle", ball_id, ((0.0, 0.0), r), parts["ball"][0], 0.0, aa=False)


def _ball(p: ClipParams, t: int) -> tuple[float, float]:
    x0, y0, vx, vy = p.ball
    return x0 + vx * t, y0 + vy * t  # straight line; may leave the frame


def _true_flow(
    ids: np.ndarray, poses: list, part_ids: dict, ball_id: int, p: ClipParams, cfg: SynthConfig
) -> np.ndarray:
    """Forward flow t -> t+1 at every pixel centre: the rigid motion of the front-most part there.

    A part with pose (o_t, a_t) maps a point x to ``R(a_{t+1} - a_t) (x - o_t) + o_{t+1}``; the
    background moves by the camera pan. Vectorised through per-id lookup tables.
    """
    T, H, W = ids.shape
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float64)
    names = dict(part_ids)
    if cfg.distractor:
        names["ball"] = ball_id
    n = max(names.values()) + 1
    flow = np.empty((T - 1, H, W, 2), np.float32)
    for t in range(T - 1):
        o0, o1, da = np.zeros((n, 2)), np.zeros((n, 2)), np.zeros(n)
        o1[0] = (-p.pan, 0.0)  # background: the texture moves opposite to the panning window
        for name, pid in names.items():
            (a_o, a_a), (b_o, b_a) = poses[t][name], poses[t + 1][name]
            o0[pid], o1[pid], da[pid] = a_o, b_o, b_a - a_a
        idt = ids[t]
        px, py = xs - o0[idt, 0], ys - o0[idt, 1]
        c, s = np.cos(da)[idt], np.sin(da)[idt]
        flow[t, ..., 0] = c * px - s * py + o1[idt, 0] - xs
        flow[t, ..., 1] = s * px + c * py + o1[idt, 1] - ys
    return flow
