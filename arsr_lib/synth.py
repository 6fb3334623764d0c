"""SynthActions: a procedurally generated action dataset in UCF101's layout.

Built so that the paper's premises hold by construction:

* **Detail on the moving actor decides some classes.** ``SwingRacket``/``SwingBat`` and
  ``DrinkBottle``/``DrinkCup`` share appearance and joint trajectories exactly (same group and
  clip number -> same seed); they differ only in the held object, and there only in a mesh of
  1-px lines (a strung racket head vs a plain bat blade, ribbed glass vs a plain cup, each pair
  with one outline and one mean colour as drawn). Its period, near LR's Nyquist period of 8 HR px,
  leaves only a faint blurred trace after the x4 antialiased downscale: bicubic cannot bring it
  back, an SR network may.
* **Static background carries much of the high-frequency detail and no class information.**
  Backgrounds are crops of the real brick / grass / gravel photographs bundled with
  scikit-image, or procedural texture, chosen per group and shared by every class.
* **Some classes differ only in motion.** ``WalkLeft``/``WalkRight`` are the same front-facing
  stepping figure translating in opposite directions (single frames carry no cue);
  ``Wave``/``ArmCircle`` and ``Jump``/``Squat`` differ mainly in motion.

Every clip comes with ground truth no real dataset has, in ``<video stem>.gt.npz`` beside the
video: per-frame actor masks (``masks``, bit-packed) and the exact forward optical flow of the
rendered scene (``flow``, ``(T-1, H, W, 2)`` float16, pixels). Every body part is a rigid
body with a known pose per frame, so the flow at a pixel is the motion of the front-most part
there (background: the camera pan).

Groups (``gXX``) share background, actor clothing and actor build; clips (``cYY``) vary
position, scale, speed, phase and amplitude. Three train/test splits are made by group, as in
UCF101, so train and test never share a group. Generation is deterministic from the seed
(byte-identical videos and lists) and parallel over clips.
"""
from __future__ import annotations

import functools
import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from arsr_lib.atomic import atomic_path, is_complete, write_json_atomic
from arsr_lib.video import write_video

# name -> (motion, object, walk direction)
CLASS_SPECS: dict[str, tuple[str, str | None, int]] = {
    "SwingRacket": ("swing", "racket", 0),
    "SwingBat": ("swing", "bat", 0),
    "DrinkBottle": ("drink", "bottle", 0),
    "DrinkCup": ("drink", "cup", 0),
    "WalkLeft": ("walk", None, -1),
    "WalkRight": ("walk", None, +1),
    "Wave": ("wave", None, 0),
    "ArmCircle": ("armcircle", None, 0),
    "Jump": ("jump", None, 0),
    "Squat": ("squat", None, 0),
}
ALL_CLASSES = tuple(CLASS_SPECS)
# pairs whose members differ only where intended (used by tests and figures)
DETAIL_PAIRS = (("SwingRacket", "SwingBat"), ("DrinkBottle", "DrinkCup"))
MOTION_PAIRS = (("WalkLeft", "WalkRight"), ("Wave", "ArmCircle"), ("Jump", "Squat"))
TEXTURES = ("brick", "grass", "gravel", "procedural")
# periods (HR px) the detail mesh may have. The x4 antialiased downscale keeps < 10 % of a 2-5 px mesh's contrast
# (erased), aliases a 6-px one and keeps 25-43 % of a 7-8 px one (blurred; LR's Nyquist period is 8 HR px): measured,
# README (SynthActions) and tests
MESH_PERIODS = tuple(range(2, 9))


@dataclass(frozen=True)
class SynthConfig:
    """Everything that determines a SynthActions dataset (same config -> same bytes)."""

    classes: tuple[str, ...] = ALL_CLASSES
    groups: int = 12
    clips_per_group: int = 4
    frames: int = 32
    height: int = 96
    width: int = 96
    fps: float = 25.0
    seed: int = 0
    textures: tuple[str, ...] = TEXTURES
    # difficulty, calibrated so that HR recognisers do well and x4 bicubic costs the spatial stream (README)
    texture_contrast: float = 0.3  # background contrast multiplier (1: the photographs' own)
    object_scale: float = 1.5  # size of the held objects (detail pairs)
    mesh_period: int = 7  # px between the 1-px lines of the racket's strings and the bottle's ribs (2-8)
    actor_scale: float = 0.75  # actor height relative to 2/3 of the frame height
    noise_sigma: float = 1.0  # sensor noise, grey levels (0: off)
    pan_speed: float = 0.0  # max camera pan, px / frame (0: off)
    distractor: bool = False  # a small ball with its own motion
    test_groups_per_split: int | None = None  # default: ~30% of groups, like UCF101's 7 of 25

    def __post_init__(self):
        unknown = [c for c in self.classes if c not in CLASS_SPECS]
        if unknown:
            raise ValueError(f"SynthConfig.classes: unknown class(es) {unknown}; known: {list(CLASS_SPECS)}")
        if self.groups < 3:
            raise ValueError(f"SynthConfig.groups must be >= 3 for three group-disjoint splits (got {self.groups})")
        if self.frames < 2 or self.height < 16 or self.width < 16:
            raise ValueError("SynthConfig: need frames >= 2 and height, width >= 16")
        if self.mesh_period not in MESH_PERIODS:
            raise ValueError(f"SynthConfig.mesh_period must be one of {list(MESH_PERIODS)} (got {self.mesh_period})")
        bad = [t for t in self.textures if t not in TEXTURES]
        if bad or not self.textures:
            raise ValueError(f"SynthConfig.textures: choose from {TEXTURES} (got {self.textures})")

    @property
    def n_test_groups(self) -> int:
        n = self.test_groups_per_split or max(1, round(self.groups * 0.28))
        if 3 * n > self.groups:
            raise ValueError(f"SynthConfig: 3 splits x {n} test groups exceed {self.groups} groups")
        return n


SIZES = {
    # CI and the smoke reproduction: a few hundred short clips, generated in seconds
    "smoke": SynthConfig(groups=30, clips_per_group=1, frames=16),
    "default": SynthConfig(groups=24, clips_per_group=2),
    # for GPU boxes: UCF101-sized frames and groups
    "paper-like": SynthConfig(groups=25, clips_per_group=5, frames=64, height=240, width=320),
}


# ---------------------------------------------------------------------------------------------
# actor model: rigid parts with a pose (origin, angle) per frame
# ---------------------------------------------------------------------------------------------
# body proportions in "units" (actor height ~ 0.88 units)
BODY = dict(torso=0.30, head_r=0.075, upper_arm=0.17, forearm=0.15, thigh=0.22, shin=0.21,
            shoulder=0.085, hip=0.055, limb_w=0.055, torso_w=0.15)


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


def _color(rng, lo=40, hi=230) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, 3))


def group_style(cfg: SynthConfig, group: int) -> GroupStyle:
    rng = _rng(cfg, 1, group)
    return GroupStyle(
        texture=cfg.textures[int(rng.integers(len(cfg.textures)))],
        tex_offset=(int(rng.integers(0, 1 << 16)), int(rng.integers(0, 1 << 16))),
        tint=rng.uniform(0.6, 1.0, 3),
        skin=SKIN_TONES[int(rng.integers(len(SKIN_TONES)))], shirt=_color(rng), stripe=_color(rng), pants=_color(rng, 20, 180),
        obj=_color(rng, 20, 90) if rng.random() < 0.5 else _color(rng, 180, 250),
        stripes=int(rng.integers(0, 4)), build=float(rng.uniform(0.85, 1.15)))


def clip_params(cfg: SynthConfig, group: int, clip: int) -> ClipParams:
    """Per-clip variation, seeded by (seed, group, clip) only: paired classes get identical values."""
    rng = _rng(cfg, 2, group, clip)
    h, w = cfg.height, cfg.width
    base = 0.66 * h / 0.88 * cfg.actor_scale
    ball = (float(rng.uniform(0.1, 0.9) * w), float(rng.uniform(0.1, 0.9) * h),
            float(rng.uniform(-1.5, 1.5)), float(rng.uniform(-1.5, 1.5)))
    return ClipParams(
        cx=float(w / 2 + rng.uniform(-0.1, 0.1) * w), cy=float(h * 0.80 + rng.uniform(-0.04, 0.04) * h),
        scale=float(base * rng.uniform(0.9, 1.1)), speed=float(rng.uniform(0.8, 1.4) * cfg.frames / 32),
        phase=float(rng.uniform(0, 2 * math.pi)), amp=float(rng.uniform(0.85, 1.15)),
        walk_speed=float(rng.uniform(0.6, 1.0) * w / 96 * 32 / cfg.frames),
        pan=float(rng.uniform(-cfg.pan_speed, cfg.pan_speed)), ball=ball)


def _pose(motion: str, direction: int, p: ClipParams, t: int, frames: int) -> dict:
    """Absolute segment angles (image coordinates, radians; pi/2 = down) and root offset (px)."""
    phi = 2 * math.pi * p.speed * t / frames + p.phase
    a, s, c = p.amp, math.sin(phi), math.cos(phi)
    down = math.pi / 2
    ang = dict(torso=-down, ua_a=down - 0.25, fa_a=down - 0.15, ua_b=down + 0.25, fa_b=down + 0.15,
               th_a=down - 0.1, sh_a=down - 0.05, th_b=down + 0.1, sh_b=down + 0.05)
    dx = dy = 0.0
    if motion == "swing":
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
    elif motion == "walk":
        sw = 0.35 * a * s
        ang.update(th_a=down - 0.1 - sw, sh_a=down - 0.05 - sw * 0.6, th_b=down + 0.1 - sw, sh_b=down + 0.05 - sw * 0.6,
                   ua_a=down - 0.25 + sw, fa_a=down - 0.15 + sw, ua_b=down + 0.25 + sw, fa_b=down + 0.15 + sw)
        dx = direction * p.walk_speed * (t - (frames - 1) / 2)  # centred path: no position cue
        dy = -0.02 * p.scale * abs(s)
    elif motion == "jump":
        e = abs(s)
        dy = -0.22 * a * p.scale * e
        ang.update(th_a=down - 0.1 - 0.6 * e, sh_a=down + 0.5 * e, th_b=down + 0.1 + 0.6 * e, sh_b=down - 0.5 * e,
                   ua_a=down - 0.25 - 2.2 * e, fa_a=down - 0.15 - 2.4 * e, ua_b=down + 0.25 + 2.2 * e,
                   fa_b=down + 0.15 + 2.4 * e)
    elif motion == "squat":
        e = 0.5 - 0.5 * c
        dy = 0.16 * a * p.scale * e
        ang.update(th_a=down - 0.1 - 0.9 * e, sh_a=down - 0.05 + 0.6 * e, th_b=down + 0.1 + 0.9 * e,
                   sh_b=down + 0.05 - 0.6 * e, ua_a=down - 0.25 - 1.3 * e, fa_a=down - 0.15 - 1.3 * e,
                   ua_b=down + 0.25 + 1.3 * e, fa_b=down + 0.15 + 1.3 * e)
    else:
        raise ValueError(f"unknown motion {motion!r}")
    return {"ang": ang, "dx": dx, "dy": dy}


def _dir(a: float) -> np.ndarray:
    return np.array([math.cos(a), math.sin(a)])


def skeleton(motion: str, direction: int, p: ClipParams, t: int, frames: int, pan_offset: float = 0.0) -> dict:
    """Rigid part frames ``name -> (origin (2,), angle)`` at frame ``t`` (forward kinematics)."""
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
        parts.update({f"ua_{k}": (sho, ang[f"ua_{k}"]), f"fa_{k}": (elbow, ang[f"fa_{k}"]),
                      f"hand_{k}": (hand, ang[f"fa_{k}"]), f"th_{k}": (hp, ang[f"th_{k}"]),
                      f"sh_{k}": (knee, ang[f"sh_{k}"])})
    return parts


# ---------------------------------------------------------------------------------------------
# drawing: each part is a list of primitives in its local frame (x along the part, y across)
# ---------------------------------------------------------------------------------------------
SHIFT = 4  # sub-pixel drawing precision (1/16 px)


def _local_to_img(pts: np.ndarray, origin: np.ndarray, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    return pts @ rot.T + origin


def _fx(pts: np.ndarray) -> np.ndarray:
    """Fixed-point coordinates for OpenCV's ``shift`` (integer coordinates are pixel centres)."""
    return np.round(np.asarray(pts) * (1 << SHIFT)).astype(np.int32)


def _primitives(style: GroupStyle, obj: str | None, cfg: SynthConfig, u: float) -> list[tuple[str, list]]:
    """(part, [(kind, color, geometry...)]) in draw order; colours per group."""
    b = BODY
    lw = max(1.0, b["limb_w"] * u * style.build)
    tw = b["torso_w"] * u * style.build
    prims: list[tuple[str, list]] = []
    for k in ("b", "a"):  # legs behind
        prims.append((f"th_{k}", [("seg", style.pants, b["thigh"] * u, lw * 1.2)]))
        prims.append((f"sh_{k}", [("seg", style.pants, b["shin"] * u, lw)]))
    torso = [("seg", style.shirt, b["torso"] * u, tw)]
    for i in range(style.stripes):
        x = b["torso"] * u * (0.3 + 0.2 * i)
        torso.append(("line", style.stripe, (x, -tw / 2 + 1), (x, tw / 2 - 1), 1))
    prims.append(("torso", torso))
    prims.append(("head", [("circle", style.skin, (b["head_r"] * u * 1.05, 0.0), b["head_r"] * u)]))
    for k in ("b", "a"):
        prims.append((f"ua_{k}", [("seg", style.shirt, b["upper_arm"] * u, lw)]))
        prims.append((f"fa_{k}", [("seg", style.skin, b["forearm"] * u, lw * 0.9)]))
    if obj is not None:
        prims.append(("hand_a", _object_prims(obj, style.obj, u * cfg.object_scale, cfg.mesh_period)))
    return prims


def _rect(x0: float, x1: float, y0: float, y1: float) -> list:
    return [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]


def _ticks(a: float, b: float, period: int) -> np.ndarray:
    """Centres of 1-px lines ``period`` px apart across [a, b]: as many as fit wholly inside, centred."""
    span = b - a - 1.0
    n = int(span // period) + 1 if span >= 0 else 0
    return a + 0.5 + (span - (n - 1) * period) / 2 + period * np.arange(n)


def _mesh(col, far, x0: float, x1: float, y0: float, y1: float, period: int) -> list:
    """A grid on the rectangle [x0, x1] x [y0, y1]: 1-px lines of ``col`` ``period`` px apart both ways, centred,
    on ``far`` (the holes and a thin rim)."""
    prims = [("poly", far, _rect(x0, x1, y0, y1))]
    # the lines stop 1 px short of the rim, so that their antialiasing stays on the rectangle
    prims += [("line", col, (x, y0 + 1), (x, y1 - 1), 1) for x in _ticks(x0, x1, period)]
    prims += [("line", col, (x0 + 1, y), (x1 - 1, y), 1) for y in _ticks(y0, y1, period)]
    return prims


@functools.lru_cache(maxsize=4096)
def _mesh_coverage(w10: int, h10: int, period: int) -> float:
    """Fraction of a ``w10``/10 x ``h10``/10 px mesh's area that its antialiased lines cover, as drawn: the lines'
    total ink over the rectangle's total ink (antialiasing widens both: a 1-px line covers more than 1 px, a filled
    rectangle more than w x h), at 16 placements (4 angles x 4 sub-pixel offsets). The plain twin takes the colour
    this mixes, so the pair has one mean colour as drawn."""
    w, h = w10 / 10, h10 / 10
    size = int(math.ceil(math.hypot(w, h))) + 8
    ink = area = 0.0
    for angle in (0.1, 0.5, 0.9, 1.3):
        for off in ((0.0, 0.0), (0.25, 0.5), (0.5, 0.25), (0.75, 0.75)):
            origin = np.array(off) + size / 2
            img = np.zeros((size, size), np.uint8)
            for prim in _mesh(255, 0, -w / 2, w / 2, -h / 2, h / 2, period)[1:]:
                _draw(img, prim[0], prim[1], prim[2:], origin, angle, True)
            ink += img.sum(dtype=np.float64)
            img[:] = 0
            _draw(img, "poly", 255, (_rect(-w / 2, w / 2, -h / 2, h / 2),), origin, angle, True)
            area += img.sum(dtype=np.float64)
    return min(1.0, ink / area)


def _object_prims(obj: str, col, u: float, period: int) -> list:
    """Held objects in the hand frame (x along the forearm). Sizes in units x u px.

    Each detail pair shares one outline and one mean colour: the racket's strung head and the bottle's
    ribbed glass carry a mesh (:func:`_mesh`) where the bat's blade and the cup are plain, in the colour the
    mesh mixes as drawn (:func:`_mesh_coverage`). The mesh's holes take the colour far from the object's (dark on
    a light object, light on a dark one): equal contrast for all."""
    far = tuple(int(c * 0.35) for c in col) if sum(col) > 3 * 128 else tuple(int(c + 0.65 * (255 - c)) for c in col)

    def plain(w: float, h: float) -> tuple:  # the mesh's mean colour on a w x h rectangle
        k = _mesh_coverage(int(round(10 * w)), int(round(10 * h)), period)
        return tuple(int(round(k * c + (1 - k) * d)) for c, d in zip(col, far))

    if obj in ("racket", "bat"):
        handle, head, half = 0.12 * u, 0.16 * u, 0.045 * u
        fill = plain(head, 2 * half)
        prims = [("line", fill, (0.0, 0.0), (handle, 0.0), max(1, round(0.02 * u)))]
        if obj == "racket":
            return prims + _mesh(col, far, handle, handle + head, -half, half, period)
        return prims + [("poly", fill, _rect(handle, handle + head, -half, half))]
    if obj in ("bottle", "cup"):  # a container held upright across the hand
        box = (-0.045 * u, 0.045 * u, -0.13 * u, -0.01 * u)
        if obj == "bottle":
            return _mesh(col, far, *box, period=period)
        return [("poly", plain(box[1] - box[0], box[3] - box[2]), _rect(*box))]
    raise ValueError(f"unknown object {obj!r}")


def _draw(img: np.ndarray, kind: str, color, geom, origin, angle, aa: bool) -> None:
    lt = cv2.LINE_AA if aa else cv2.LINE_8
    if kind == "seg":
        length, width = geom
        p = _local_to_img(np.array([[0.0, 0.0], [length, 0.0]]), origin, angle)
        cv2.line(img, *[tuple(int(v) for v in q) for q in _fx(p)], color, max(1, int(round(width))), lt, SHIFT)
    elif kind == "line":
        a, b, width = geom
        p = _local_to_img(np.array([a, b], float), origin, angle)
        cv2.line(img, *[tuple(int(v) for v in q) for q in _fx(p)], color, int(width), lt, SHIFT)
    elif kind == "circle":
        c, r = geom
        p = _local_to_img(np.array([c], float), origin, angle)[0]
        cv2.circle(img, tuple(int(v) for v in _fx(p)), int(round(r * (1 << SHIFT))), color, -1, lt, SHIFT)
    elif kind == "poly":
        (pts,) = geom
        p = _local_to_img(np.array(pts, float), origin, angle)
        cv2.fillPoly(img, [_fx(p)], color, lt, SHIFT)
    else:
        raise ValueError(kind)


@functools.lru_cache(maxsize=None)
def _photo(name: str) -> np.ndarray:
    """A grey photograph bundled with scikit-image (no download), as float32."""
    import skimage.data

    return getattr(skimage.data, name)().astype(np.float32)


def _background(cfg: SynthConfig, style: GroupStyle, extra: int) -> np.ndarray:
    """Texture canvas (H, W + extra, 3) uint8 for a group."""
    h, w = cfg.height, cfg.width + extra
    if style.texture == "procedural":
        rng = np.random.default_rng(style.tex_offset[0])
        tex = np.zeros((h, w), np.float32)
        for sigma, weight in ((0.7, 0.5), (2.0, 0.3), (6.0, 0.2)):
            tex += weight * cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), sigma) * sigma
        tex = (tex - tex.mean()) / (tex.std() + 1e-6)
        gray = np.clip(128 + 45 * tex, 0, 255)
    else:
        src = _photo(style.texture)
        # crop an HR-sized window at scale 1 (full detail) from the 512x512 photograph
        sh, sw = src.shape
        if h > sh or w > sw:
            f = max(h / sh, w / sw) * 1.05
            src = cv2.resize(src, (int(sw * f) + 1, int(sh * f) + 1), interpolation=cv2.INTER_LINEAR)
            sh, sw = src.shape
        y0 = style.tex_offset[0] % (sh - h + 1)
        x0 = style.tex_offset[1] % (sw - w + 1)
        gray = src[y0:y0 + h, x0:x0 + w]
        gray = 128 + (gray - gray.mean()) * (60.0 / (gray.std() + 1e-6))
    gray = 128 + (gray - 128) * cfg.texture_contrast
    rgb = np.clip(gray[..., None] * style.tint[None, None, :], 0, 255)
    return rgb.astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# rendering a clip: frames, masks and exact flow
# ---------------------------------------------------------------------------------------------
def render_clip(cfg: SynthConfig, class_name: str, group: int, clip: int) -> dict:
    """Render one clip: ``frames`` (T,H,W,3) uint8, ``masks`` (T,H,W) bool, ``flow`` (T-1,H,W,2) float32,
    ``params`` (per-frame part poses for tests)."""
    motion, obj, direction = CLASS_SPECS[class_name]
    style = group_style(cfg, group)
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
        pan_off = p.pan * t
        x0 = (extra - 1) / 2 + pan_off if p.pan else 0.0  # background window moves by -pan
        m = np.float32([[1, 0, x0], [0, 1, 0]])
        img = cv2.warpAffine(canvas, m, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REFLECT) if p.pan else canvas[:, :W].copy()
        idm = np.zeros((H, W), np.int32)
        parts = skeleton(motion, direction, p, t, T, pan_offset=-p.pan * t)  # the camera pans over a static world
        if cfg.distractor:
            bx, by = _ball(p, t)
            parts["ball"] = (np.array([bx, by]), 0.0)
        poses.append(parts)
        for name, plist in prims:
            o, a = parts[name]
            for prim in plist:
                _draw(img, prim[0], prim[1], prim[2:], o, a, aa=True)
                _draw(idm, prim[0], part_ids[name], prim[2:], o, a, aa=False)
        if cfg.distractor:
            r = 0.035 * p.scale
            _draw(img, "circle", (250, 250, 250), ((0.0, 0.0), r), parts["ball"][0], 0.0, aa=True)
            _draw(idm, "circle", ball_id, ((0.0, 0.0), r), parts["ball"][0], 0.0, aa=False)
        if cfg.noise_sigma > 0:
            img = np.clip(img + noise_rng.normal(0, cfg.noise_sigma, img.shape), 0, 255).astype(np.uint8)
        frames[t] = img
        ids[t] = idm
    masks = (ids > 0) & (ids != ball_id)
    flow = _true_flow(ids, poses, part_ids, ball_id, p, cfg)
    return {"frames": frames, "masks": masks, "flow": flow, "poses": poses, "part_ids": part_ids}


def _ball(p: ClipParams, t: int) -> tuple[float, float]:
    x0, y0, vx, vy = p.ball
    return x0 + vx * t, y0 + vy * t  # straight line; may leave the frame


def _true_flow(ids: np.ndarray, poses: list, part_ids: dict, ball_id: int, p: ClipParams, cfg: SynthConfig) -> np.ndarray:
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


# ---------------------------------------------------------------------------------------------
# dataset on disk
# ---------------------------------------------------------------------------------------------
def video_name(class_name: str, group: int, clip: int) -> str:
    return f"{class_name}/v_{class_name}_g{group:02d}_c{clip:02d}.avi"


def split_groups(cfg: SynthConfig, split: int) -> list[int]:
    """Test groups of split 1..3: consecutive blocks, like UCF101's g01-07 / g08-14 / g15-21."""
    n = cfg.n_test_groups
    return list(range((split - 1) * n + 1, split * n + 1))


def gt_path(video: str | os.PathLike) -> Path:
    video = Path(video)
    return video.with_name(video.stem + ".gt.npz")


def load_ground_truth(video: str | os.PathLike) -> dict:
    """``masks`` (T,H,W) bool and true ``flow`` (T-1,H,W,2) float32 stored beside a SynthActions video."""
    path = gt_path(video)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no SynthActions ground truth beside {video}")
    with np.load(path) as z:
        shape = tuple(z["mask_shape"])
        masks = np.unpackbits(z["masks"], count=int(np.prod(shape))).reshape(shape).astype(bool)
        return {"masks": masks, "flow": z["flow"].astype(np.float32)}


def _write_clip(args) -> str:
    cfg, root, cls, g, c = args
    cv2.setNumThreads(1)
    rel = video_name(cls, g, c)
    out = Path(root) / rel
    r = render_clip(cfg, cls, g, c)
    write_video(out, r["frames"], fps=cfg.fps)
    with atomic_path(gt_path(out)) as tmp:
        with open(tmp, "wb") as fh:  # np.savez would append .npz to a path without it
            np.savez_compressed(fh, masks=np.packbits(r["masks"].ravel()), mask_shape=np.array(r["masks"].shape),
                                flow=r["flow"].astype(np.float16))
    return rel


def _config_dict(cfg: SynthConfig) -> dict:
    """The dataset marker's config: the SynthConfig and the digest of this renderer's source, so that a dataset
    drawn by an older renderer is regenerated (and everything derived from it redone), not silently reused."""
    conf = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}
    return {**conf, "renderer": _renderer_digest()}


@functools.lru_cache(maxsize=None)
def _renderer_digest() -> str:
    import hashlib

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def generate(root: str | os.PathLike, cfg: SynthConfig = SIZES["smoke"], workers: int = 1,
             progress: bool = True, force: bool = False) -> Path:
    """Generate SynthActions under ``root`` (videos, ground truth, ``ucfTrainTestlist``).

    Resumable: a clip whose video and ground truth exist is kept; the dataset marker
    ``root/.done.json`` (holding the config) is written last. Returns ``root``.
    """
    from tqdm.auto import tqdm

    from arsr_lib.atomic import MARKER, check_writable

    root = Path(root)
    conf = _config_dict(cfg)
    if not force and is_complete(root, conf):
        return root
    check_writable(root)
    if (root / MARKER).exists():  # a complete dataset of another config: start over cleanly
        (root / MARKER).unlink()
        for cls in CLASS_SPECS:
            for f in (root / cls).glob("v_*") if (root / cls).is_dir() else []:
                f.unlink()
    jobs = []
    for cls in cfg.classes:
        for g in range(1, cfg.groups + 1):
            for c in range(1, cfg.clips_per_group + 1):
                out = root / video_name(cls, g, c)
                if force or not (out.is_file() and gt_path(out).is_file()):
                    jobs.append((cfg, str(root), cls, g, c))
    bar = tqdm(total=len(jobs), desc="SynthActions", unit="clip", disable=not progress)
    try:
        if workers <= 1:
            for j in jobs:
                _write_clip(j)
                bar.update()
        else:
            with ProcessPoolExecutor(workers) as pool:
                for _ in pool.map(_write_clip, jobs, chunksize=4):
                    bar.update()
    finally:
        bar.close()
    write_split_files(root, cfg)
    write_json_atomic(root / MARKER, {"config": conf, "classes": list(cfg.classes),
                                      "videos": len(cfg.classes) * cfg.groups * cfg.clips_per_group})
    return root


def write_split_files(root: str | os.PathLike, cfg: SynthConfig) -> Path:
    """``ucfTrainTestlist`` with CRLF endings and 1-based labels, three group-disjoint splits."""
    d = Path(root) / "ucfTrainTestlist"
    d.mkdir(parents=True, exist_ok=True)
    from arsr_lib.atomic import write_text_atomic

    nl = "\r\n"
    write_text_atomic(d / "classInd.txt", "".join(f"{i} {c}{nl}" for i, c in enumerate(cfg.classes, 1)))
    for split in (1, 2, 3):
        test_groups = set(split_groups(cfg, split))
        train, test = [], []
        for i, cls in enumerate(cfg.classes, 1):
            for g in range(1, cfg.groups + 1):
                for c in range(1, cfg.clips_per_group + 1):
                    rel = video_name(cls, g, c)
                    (test if g in test_groups else train).append((rel, i))
        write_text_atomic(d / f"trainlist{split:02d}.txt", "".join(f"{r} {i}{nl}" for r, i in train))
        write_text_atomic(d / f"testlist{split:02d}.txt", "".join(f"{r}{nl}" for r, _ in test))
    return d


def config_for(size: str = "smoke", **overrides) -> SynthConfig:
    if size not in SIZES:
        raise ValueError(f"unknown SynthActions size {size!r}; choose one of {list(SIZES)}")
    return replace(SIZES[size], **overrides)
