"""Drawing: each body part and held object is a list of primitives in its local frame; backgrounds."""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np

from arsr_lib.data.synth.actor import BODY, GroupStyle
from arsr_lib.data.synth.spec import SynthConfig

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
    torso: list[tuple] = [("seg", style.shirt, b["torso"] * u, tw)]
    for i in range(style.stripes):
        x = b["torso"] * u * (0.3 + 0.2 * i)
        torso.append(("line", style.stripe, (x, -tw / 2 + 1), (x, tw / 2 - 1), 1))
    prims.append(("torso", torso))
    prims.append(("head", [("circle", style.skin, (b["head_r"] * u * 1.05, 0.0), b["head_r"] * u)]))
    for k in ("b", "a"):
        prims.append((f"ua_{k}", [("seg", style.shirt, b["upper_arm"] * u, lw)]))
        prims.append((f"fa_{k}", [("seg", style.skin, b["forearm"] * u, lw * 0.9)]))
    if obj == "wheel":
        radius = cfg.wheel_radius * u * cfg.object_scale
        prims.append(("wheel", _wheel_prims(style.obj, radius, cfg.wheel_spokes, cfg.wheel_inner)))
    elif obj is not None:
        prims.append(("hand_a", _object_prims(obj, style.obj, u * cfg.object_scale, cfg.mesh_period)))
    return prims


def _wheel_prims(col, radius: float, spokes: int, inner: float = 0.0) -> list:
    """A spoked wheel of ``radius`` px centred on the hand: a disk of the colour far from ``col`` with
    ``spokes`` 1-px radial lines of ``col`` and a rim of ``col`` (drawn in the wheel's own frame, which
    turns)."""
    light = sum(col) > 3 * 128
    far = tuple(int(c * 0.35) for c in col) if light else tuple(int(c + 0.65 * (255 - c)) for c in col)
    prims: list[tuple] = [("circle", col, (0.0, 0.0), radius + 1.0), ("circle", far, (0.0, 0.0), radius)]
    for k in range(spokes):
        a = 2 * math.pi * k / spokes
        start = (inner * radius * math.cos(a), inner * radius * math.sin(a))
        end = (radius * math.cos(a), radius * math.sin(a))
        prims.append(("line", col, start, end, 1))
    return prims


def _rect(x0: float, x1: float, y0: float, y1: float) -> list:
    return [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]


def _ticks(a: float, b: float, period: int) -> np.ndarray:
    """Centres of 1-px lines ``period`` px apart across [a, b]: as many as fit wholly inside, centred."""
    span = b - a - 1.0
    n = int(span // period) + 1 if span >= 0 else 0
    return a + 0.5 + (span - (n - 1) * period) / 2 + period * np.arange(n)


def _mesh(col, far, x0: float, x1: float, y0: float, y1: float, period: int) -> list:
    """A grid on the rectangle [x0, x1] x [y0, y1]: 1-px lines of ``col`` ``period`` px apart both ways,
    centred, on ``far`` (the holes and a thin rim)."""
    prims: list[tuple] = [("poly", far, _rect(x0, x1, y0, y1))]
    # the lines stop 1 px short of the rim, so that their antialiasing stays on the rectangle
    prims += [("line", col, (x, y0 + 1), (x, y1 - 1), 1) for x in _ticks(x0, x1, period)]
    prims += [("line", col, (x0 + 1, y), (x1 - 1, y), 1) for y in _ticks(y0, y1, period)]
    return prims


@functools.lru_cache(maxsize=4096)
def _mesh_coverage(w10: int, h10: int, period: int) -> float:
    """Fraction of a ``w10``/10 x ``h10``/10 px mesh's area that its antialiased lines cover, as drawn: the
    lines' total ink over the rectangle's total ink (antialiasing widens both: a 1-px line covers more than 1
    px, a filled rectangle more than w x h), at 16 placements (4 angles x 4 sub-pixel offsets). The plain
    twin takes the colour this mixes, so the pair has one mean colour as drawn."""
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
    mesh mixes as drawn (:func:`_mesh_coverage`). The mesh's holes take the colour far from the object's
    (dark on a light object, light on a dark one): equal contrast for all."""
    light = sum(col) > 3 * 128
    far = tuple(int(c * 0.35) for c in col) if light else tuple(int(c + 0.65 * (255 - c)) for c in col)

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
        cv2.line(
            img, *[tuple(int(v) for v in q) for q in _fx(p)], color, max(1, int(round(width))), lt, SHIFT
        )  # type: ignore[call-overload]
    elif kind == "line":
        a, b, width = geom
        p = _local_to_img(np.array([a, b], float), origin, angle)
        cv2.line(img, *[tuple(int(v) for v in q) for q in _fx(p)], color, int(width), lt, SHIFT)  # type: ignore[call-overload]
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
            tex += (
                weight
                * cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), sigma)
                * sigma
            )
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
        gray = src[y0 : y0 + h, x0 : x0 + w]
        gray = 128 + (gray - gray.mean()) * (60.0 / (gray.std() + 1e-6))
    gray = 128 + (gray - 128) * cfg.texture_contrast
    rgb = np.clip(gray[..., None] * style.tint[None, None, :], 0, 255)
    return rgb.astype(np.uint8)
