"""SynthActions: a procedurally generated action dataset in UCF101's layout.

Built so that the paper's premises hold by construction:

* **Detail on the moving actor decides some classes.** ``SwingRacket``/``SwingBat`` and
  ``DrinkBottle``/``DrinkCup`` share appearance and joint trajectories exactly (same group and
  clip number -> same seed); they differ only in the held object, and there only in a mesh of
  1-px lines (a strung racket head vs a plain bat blade, ribbed glass vs a plain cup, each pair
  with one outline and one mean colour as drawn). Its period, near LR's Nyquist period of 8 HR px,
  leaves only a faint blurred trace after the x4 antialiased downscale: bicubic cannot bring it
  back, an SR network may.
* **Static background carries much of the high-frequency detail, and some scene context.**
  Backgrounds are crops of the real brick / grass / gravel photographs bundled with
  scikit-image, or procedural texture, chosen per group and shared by every class; with
  probability ``scene_context`` a clip is filmed in its class's scene instead (``SCENES``: a pair
  shares its scene), as real classes come with theirs, so that hallucinated background texture
  can mislead an HR-trained recogniser (the swap test, ``arsr_lib.recognition.swap``).
* **Some classes differ only in motion.** ``WalkLeft``/``WalkRight`` are the same front-facing
  stepping figure translating in opposite directions (single frames carry no cue);
  ``Wave``/``ArmCircle`` and ``Jump``/``Squat`` differ mainly in motion.
* **Some classes differ only in the motion of fine detail that x4 LR keeps faintly**
  (``FINE_MOTION_CLASSES``): ``TurnWheelCW`` / ``TurnWheelCCW`` / ``HoldWheel`` hold one still pose and a
  spoked wheel that turns clockwise, anticlockwise or not at all. The wheel's outline never moves; HR flow
  shows the spokes' rotation, the flow of x4 bicubic frames keeps a third of it. The spokes are as dense
  as the validation check allows while bicubic flow still turns the right way (``checks.wheel_cue_table``):
  the first design's 16 spokes from the hub were erased by x4, no test of SR.

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

from arsr_lib.core.atomic import is_complete
from arsr_lib.data.synth.actor import clip_params, group_style, skeleton
from arsr_lib.data.synth.dataset import (
    generate,
    gt_path,
    load_ground_truth,
    split_groups,
    video_name,
    write_split_files,
)
from arsr_lib.data.synth.render import render_clip
from arsr_lib.data.synth.spec import (
    ALL_CLASSES,
    BASE_CLASSES,
    CLASS_SPECS,
    DETAIL_PAIRS,
    FINE_MOTION_CLASSES,
    MESH_PERIODS,
    MOTION_EXAMPLES,
    MOTION_PAIRS,
    SCENES,
    SIZES,
    TEXTURES,
    SynthConfig,
    config_for,
)

__all__ = [
    "ALL_CLASSES",
    "BASE_CLASSES",
    "CLASS_SPECS",
    "DETAIL_PAIRS",
    "MESH_PERIODS",
    "MOTION_PAIRS",
    "SCENES",
    "SIZES",
    "FINE_MOTION_CLASSES",
    "MOTION_EXAMPLES",
    "TEXTURES",
    "SynthConfig",
    "clip_params",
    "config_for",
    "generate",
    "group_style",
    "gt_path",
    "is_complete",
    "load_ground_truth",
    "render_clip",
    "skeleton",
    "split_groups",
    "video_name",
    "write_split_files",
]
