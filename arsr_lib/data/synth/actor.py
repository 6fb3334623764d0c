"""The actor model: rigid body parts with a pose (origin, angle) per frame, per group style and clip."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from arsr_lib.data.synth.spec import SynthConfig

# ---------------------------------------------------------------------------------------------
# actor model: rigid parts with a pose (origin, angle) per frame
# ---------------------------------------------------------------------------------------------
# body proportions in "units" (actor height ~ 0.88 units)
BODY = dict(
    torso=0.30,
    head_r=0.075,
    upper_arm=0.17,
    forearm=0.15,
    thigh=0.22,
    shin=0.21,
    shoulder=0.085,
    hip=0.055,
    limb_w=0.055,
    torso_w=0.15,
)


@dataclass
class GroupStyle:
    """Appearance shared by a group: background and clothing."""

    texture: str
    tex_offset: tuple[int, int]
    tint: np.ndarray
    skin: tuple[int, int, int]
    shirt: tuple[int, int, int]
    stripe: tuple[int, int, int]
    pants: tuple[int, int, int]
    obj: tuple[int, int, int]
    stripes: int
    build: float  # limb thickness factor


@dataclass
class ClipParams:
    """Per-clip variation."""

    cx: float
    cy: float
    scale: float  # px per unit
    speed: float  # cycles per clip
    phase: float
    amp: float
    walk_speed: float  # px / frame
    pan: float  # px / frame
    ball: tuple[float, float, float, float] = field(default=(0.0, 0.0, 0.0, 0.0))  # x, y, vx, vy


SKIN_TONES = ((255, 219, 172), (241, 194, 125), (224, 172, 105), (198, 134, 66), (141, 85, 36), (92, 58, 30))


def _rng(cfg: SynthConfig, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([cfg.seed, *key]))


def _color(rng: np.random.Generator, lo: int = 40, hi: int = 230) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in rng.integers(lo, hi, 3))
    return r, g, b


def group_style(cfg: SynthConfig, group: int) -> GroupStyle:
    rng = _rng(cfg, 1, group)
    return GroupStyle(
        texture=cfg.textures[int(rng.integers(len(cfg.textures)))],
        tex_offset=(int(rng.integers(0, 1 << 16)), int(rng.integers(0, 1 << 16))),
        tint=rng.uniform(0.6, 1.0, 3),
        skin=SKIN_TONES[int(rng.integers(len(SKIN_TONES)))],
        shirt=_color(rng),
        stripe=_color(rng),
        pants=_color(rng, 20, 180),
        obj=_color(rng, 20, 90) if rng.random() < 0.5 else _color(rng, 180, 250),
        stripes=int(rng.integers(0, 4)),
        build=float(rng.uniform(0.85, 1.15)),
    )


def clip_params(cfg: SynthConfig, group: int, clip: int) -> ClipParams:
    """Per-clip variation, seeded by (seed, group, clip) only: paired classes get identical values."""
    rng = _rng(cfg, 2, group, clip)
    h, w = cfg.height, cfg.width
    base = 0.66 * h / 0.88 * cfg.actor_scale
    ball = (
        float(rng.uniform(0.1, 0.9) * w),
        float(rng.uniform(0.1, 0.9) * h),
        float(rng.uniform(-1.5, 1.5)),
        float(rng.uniform(-1.5, 1.5)),
    )
    return ClipParams(
        cx=float(w / 2 + rng.uniform(-0.1, 0.1) * w),
        cy=float(h * 0.80 + rng.uniform(-0.04, 0.04) * h),
        scale=float(base * rng.uniform(0.9, 1.1)),
        speed=float(rng.uniform(0.8, 1.4) * cfg.frames / 32),
        phase=float(rng.uniform(0, 2 * math.pi)),
        amp=float(rng.uniform(0.85, 1.15)),
        walk_speed=float(rng.uniform(0.6, 1.0) * w / 96 * 32 / cfg.frames),
        pan=float(rng.uniform(-cfg.pan_speed, cfg.pan_speed)),
        ball=ball,
    )


STILL_ARM = (math.pi / 2 + 0.9, math.pi - 0.15)  # upper arm and forearm angles of the still pose


WHOLE_BODY = ("walk", "jump", "squat")


def _whole_body(motion: str, direction: int, p: ClipParams, t: int, frames: int, ang: dict, phi: float):
    """Legs and arms of the motions that move the whole body (updates ``ang``); the root offset (dx, dy)."""
    a, s, c = p.amp, math.sin(phi), math.cos(phi)
    down = math.pi / 2
    dx = dy = 0.0
    if motion == "walk":
        sw = 0.35 * a * s
        ang.update(
            th_a=down - 0.1 - sw,
            sh_a=down - 0.05 - sw * 0.6,
            th_b=down + 0.1 - sw,
            sh_b=down + 0.05 - sw * 0.6,
            ua_a=down - 0.25 + sw,
            fa_a=down - 0.15 + sw,
            ua_b=down + 0.25 + sw,
            fa_b=down + 0.15 + sw,
        )
        dx = direction * p.walk_speed * (t - (frames - 1) / 2)  # centred path: no position cue
        dy = -0.02 * p.scale * abs(s)
    elif motion == "jump":
        e = abs(s)
        dy = -0.22 * a * p.scale * e
        ang.update(
            th_a=down - 0.1 - 0.6 * e,
            sh_a=down + 0.5 * e,
            th_b=down + 0.1 + 0.6 * e,
            sh_b=down - 0.5 * e,
            ua_a=down - 0.25 - 2.2 * e,
            fa_a=down - 0.15 - 2.4 * e,
            ua_b=down + 0.25 + 2.2 * e,
            fa_b=down + 0.15 + 2.4 * e,
        )
    elif motion == "squat":
        e = 0.5 - 0.5 * c
        dy = 0.16 * a * p.scale * e
        ang.update(
            th_a=down - 0.1 - 0.9 * e,
            sh_a=down - 0.05 + 0.6 * e,
            th_b=down + 0.1 + 0.9 * e,
            sh_b=down + 0.05 - 0.6 * e,
            ua_a=down - 0.25 - 1.3 * e,
            fa_a=down - 0.15 - 1.3 * e,
            ua_b=down + 0.25 + 1.3 * e,
            fa_b=down + 0.15 + 1.3 * e,
        )
    return dx, dy


def _pose(motion: str, direction: int, p: ClipParams, t: int, frames: int) -> dict:
    """Absolute segment angles (image coordinates, radians; pi/2 = down) and root offset (px)."""
    phi = 2 * math.pi * p.speed * t / frames + p.phase
    a, s, c = p.amp, math.sin(phi), math.cos(phi)
    down = math.pi / 2
    ang = dict(
        torso=-down,
        ua_a=down - 0.25,
        fa_a=down - 0.15,
        ua_b=down + 0.25,
        fa_b=down + 0.15,
        th_a=down - 0.1,
        sh_a=down - 0.05,
        th_b=down + 0.1,
        sh_b=down + 0.05,
    )
    dx = dy = 0.0
    if motion == "spin":  # one still pose (the arm held out sideways); the wheel's angle: skeleton()
        ang["ua_a"], ang["fa_a"] = STILL_ARM
    elif motion == "swing":
        e = 0.5 + 0.5 * s
        ang["ua_a"] = 0.15 - a * 1.55 * e
        ang["fa_a"] = ang["ua_a"] - 0.35 * a * c
    elif motion == "drink":
        e = 0.5 + 0.5 * s
        ang["ua_a"] = down - 0.25 - 0.75 * a * e
        ang["fa_a"] = ang["ua_a"] - 2.5 * a * e
    elif motion == "wave":
        ang["ua_a"] = -down + 0.55
        ang["fa_a"] = -down + 0.65 * a * s
    elif motion == "armcircle":
        ang["ua_a"] = phi
        ang["fa_a"] = phi
    elif motion in WHOLE_BODY:
        dx, dy = _whole_body(motion, direction, p, t, frames, ang, phi)
    else:
        raise ValueError(f"unknown motion {motion!r}")
    return {"ang": ang, "dx": dx, "dy": dy}


def _dir(a: float) -> np.ndarray:
    return np.array([math.cos(a), math.sin(a)])


def skeleton(
    motion: str,
    direction: int,
    p: ClipParams,
    t: int,
    frames: int,
    pan_offset: float = 0.0,
    spin: float = 6.0,
) -> dict:
    """Rigid part frames ``name -> (origin (2,), angle)`` at frame ``t`` (forward kinematics); ``spin``:
    degrees per frame of the held wheel (motion "spin", turning with ``direction``)."""
    pose = _pose(motion, direction, p, t, frames)
    ang, u = pose["ang"], p.scale
    b = BODY
    hip = np.array([p.cx + pose["dx"] + pan_offset, p.cy - (b["thigh"] + b["shin"]) * u + pose["dy"]])
    neck = hip + _dir(ang["torso"]) * b["torso"] * u
    side = _dir(ang["torso"] + math.pi / 2)  # torso's perpendicular (points to the image's +x when upright)
    parts = {"torso": (hip, ang["torso"]), "head": (neck, ang["torso"])}
    for k, sgn in (("a", -1.0), ("b", 1.0)):
        sho = neck + side * sgn * b["shoulder"] * u
        elbow = sho + _dir(ang[f"ua_{k}"]) * b["upper_arm"] * u
        hand = elbow + _dir(ang[f"fa_{k}"]) * b["forearm"] * u
        hp = hip + side * sgn * b["hip"] * u
        knee = hp + _dir(ang[f"th_{k}"]) * b["thigh"] * u
        parts.update(
            {
                f"ua_{k}": (sho, ang[f"ua_{k}"]),
                f"fa_{k}": (elbow, ang[f"fa_{k}"]),
                f"hand_{k}": (hand, ang[f"fa_{k}"]),
                f"th_{k}": (hp, ang[f"th_{k}"]),
                f"sh_{k}": (knee, ang[f"sh_{k}"]),
            }
        )
    if motion == "spin":
        hand, _ = parts["hand_a"]
        turn = direction * math.radians(spin) * p.amp * t + p.phase
        parts["wheel"] = (hand, turn)
    return parts
