"""The parts of an experiment (:class:`arsr_lib.config.experiment.Experiment`): data, SR architectures and
losses, pair mining, schedules, recipes, recognition, paths, compute; and the names they may take."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Mapping

from arsr_lib.config.frozen import frozen_map
from arsr_lib.config.ranges import COUNT, POSITIVE, PROBABILITY, WEIGHT, WORKERS, Range, check_ranges
from arsr_lib.core.protocol import FLOW_METHODS

SR_ARCHITECTURES = ("rrdbnet", "vdsr", "duf")
STEP_KINDS = ("pixel", "gan", "siamese", "d_warmup")
PIXEL_LOSSES = ("l1", "mse", "flow_weighted_mse", "huber")
WEIGHT_FORMS = ("code", "normalised", "batch")  # SoSR weight map normalisations (arsr_lib.train.losses)
RECOGNISERS = ("tsn_rgb", "tsn_flow", "stresnet")
# named pretrained SR generators (arsr_lib.models.pretrained): usable as a recipe's init and as an SR model
PRETRAINED_SR = ("realsr-df2k", "realesrgan-x4plus")
# the evaluation's SR methods and what gives each: a recipe of the experiment, a pretrained model (used
# untouched: "off the shelf") or None (bicubic)
DEFAULT_METHODS = {
    "Bicubic": None,
    "VDSR": "vdsr",
    "ESRGAN": "esrgan",
    "SoSR": "sosr",
    "SoSR-VDSR": "sosr_vdsr",
    "VSR-DUF": "duf",
    "ToSR-DUF": "tosr_duf",
    "ToSR-VDSR": "tosr_vdsr",
    "ToSR-ESRGAN": "tosr_esrgan",  # ToSR on the RRDB generator: the paper says ToSR wraps any SR network
}


@dataclass(frozen=True)
class DataConfig:
    """Which dataset, split and flow the run reads, and how many worker processes prepare it."""

    dataset: str = "synth"  # "synth" | "ucf101" | "hmdb51" | "folder"
    synth_size: str | None = "smoke"  # SynthActions size (arsr_lib.data.synth.SIZES); None for real data
    root: str | None = None  # dataset root; None: data/<dataset name>
    split_dir: str | None = None  # split files; None: <root>/ucfTrainTestlist
    split: int = 1
    # the x4 scale and the flow bound are protocols pinned in code (arsr_lib.core.protocol), not settings
    flow_method: str = "dis"
    workers: int = 2
    eval_videos: int | None = None  # evaluate on an evenly spread subset of the test split (None: all)
    max_frames: int | None = None  # frames read per video (None: all); dry runs on real clips cap it
    strict: bool | None = None  # a listed video missing is an error (None: only for SynthActions, generated)
    # SR models train on this many training videos, evenly spread over the split (the authors trained on 134
    # CDVL videos); None: every training video
    sr_train_videos: int | None = None
    # real data: hold out the last N training groups as the validation split (SynthActions ships its own)
    val_groups: int = 0
    detail_twins: int | None = None  # twin videos per detail pair in the detail-recovery table (None: all)
    # HR rawframes made elsewhere (denseflow / mmaction2 layout): checked and used instead of extracting HR
    # rawframes (arsr_lib.data.external); None: extracted here
    hr_rawframes: str | None = None

    RANGES: ClassVar[dict[str, Range]] = {
        "split": Range(1, 3),
        "workers": WORKERS,
        "eval_videos": COUNT,
        "max_frames": Range(2),
        "sr_train_videos": COUNT,
        "val_groups": Range(0),
        "detail_twins": COUNT,
    }

    def __post_init__(self):
        check_ranges(self, "data", self.RANGES)
        if self.dataset not in ("synth", "ucf101", "hmdb51", "folder"):
            raise ValueError(f"data.dataset must be synth, ucf101, hmdb51 or folder (got {self.dataset!r})")
        if self.flow_method not in FLOW_METHODS:
            raise ValueError(f"data.flow_method must be one of {FLOW_METHODS} (got {self.flow_method!r})")
        if self.dataset == "synth" and not self.synth_size:
            raise ValueError("data.synth_size is required when data.dataset is 'synth'")
        if self.strict is None:
            object.__setattr__(self, "strict", self.dataset == "synth")

    @property
    def name(self) -> str:
        """Folder name of the dataset under data/ (and data/rawframes/)."""
        return f"synth-{self.synth_size}" if self.dataset == "synth" else self.dataset


@dataclass(frozen=True)
class SRArchitectures:
    """Model arguments of each SR architecture and of the ESRGAN discriminator."""

    rrdbnet: Mapping = field(default_factory=frozen_map)
    vdsr: Mapping = field(default_factory=frozen_map)
    duf: Mapping = field(default_factory=frozen_map)
    discriminator: str = "vgg_discriminator"
    discriminator_args: Mapping = field(default_factory=frozen_map)

    def __post_init__(self):
        for name in ("rrdbnet", "vdsr", "duf", "discriminator_args"):
            object.__setattr__(self, name, frozen_map(getattr(self, name)))

    def args_of(self, arch: str) -> Mapping:
        if arch not in SR_ARCHITECTURES:
            raise ValueError(f"unknown SR architecture {arch!r}; choose one of {SR_ARCHITECTURES}")
        return getattr(self, arch)


@dataclass(frozen=True)
class SRLossConfig:
    """Loss weights of the ESRGAN family (SoSR changes only the pixel term) and of ToSR's siamese loss."""

    pixel: float = 1e-2
    feature: float = 1.0
    gan: float = 5e-3
    # SoSR weight map normalisation: "normalised" (per patch), "batch" (over the batch) or "code" (the
    # authors' code form, mean(w^2 e^2)); arsr_lib.train.losses
    weight_form: str = "code"  # the authors' code form of Eq. 1, mse(w * SR, w * HR)
    weight_floor: float = 0.1
    weight_ref: float | None = None  # flow magnitude (px) of weight 1; None: each frame's 99th percentile
    huber_delta: float = 0.01
    tosr_weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    mask_outside: bool = True
    vgg19_weights: str | None = None  # local torchvision vgg19 state dict (feature_net "vgg19", feature > 0)
    # the perceptual loss's network: "vgg19" (ImageNet weights from vgg19_weights) or "trained" (a VGG-style
    # network trained here on the HR training frames for a pretext task, arsr_lib.sr.featurenet)
    feature_net: str = "vgg19"
    feature_net_iters: int = 600

    RANGES: ClassVar[dict[str, Range]] = {
        "pixel": WEIGHT,
        "feature": WEIGHT,
        "gan": WEIGHT,
        "weight_floor": Range(0, 1),
        "weight_ref": POSITIVE,
        "huber_delta": POSITIVE,
        "tosr_weights": WEIGHT,
        "feature_net_iters": COUNT,
    }

    def __post_init__(self):
        check_ranges(self, "sr_loss", self.RANGES)
        if self.feature_net not in ("vgg19", "trained"):
            raise ValueError(f"sr_loss.feature_net must be 'vgg19' or 'trained' (got {self.feature_net!r})")
        if self.weight_form not in WEIGHT_FORMS:
            raise ValueError(f"sr_loss.weight_form must be one of {WEIGHT_FORMS} (got {self.weight_form!r})")


@dataclass(frozen=True)
class PairMining:
    """ToSR training pairs: frames (t - gap, t), the top_k moving patches, pairs_per_video positions (None:
    all; the authors sampled 120)."""

    gap: int = 2
    top_k: int = 10
    pairs_per_video: int | None = None

    RANGES: ClassVar[dict[str, Range]] = {"gap": COUNT, "top_k": COUNT, "pairs_per_video": COUNT}

    def __post_init__(self):
        check_ranges(self, "pairs", self.RANGES)


@dataclass(frozen=True)
class EngineSchedule:
    """Engine settings shared by every run of a kind: checkpoint / log / validation cadence and autocast."""

    ckpt_every: int = 50
    log_every: int = 10
    val_every: int = 50  # 0: no validation
    amp: bool = False

    RANGES: ClassVar[dict[str, Range]] = {"ckpt_every": COUNT, "log_every": COUNT, "val_every": Range(0)}

    def __post_init__(self):
        check_ranges(self, "schedule", self.RANGES)


@dataclass(frozen=True)
class SRRecipe:
    """One SR training run: the architecture, the kind of step and pixel loss, the schedule, its start."""

    arch: str
    step: str  # "pixel" | "gan" | "siamese"
    pixel_loss: str  # "l1" | "mse" | "flow_weighted_mse" | "huber" (siamese: unused)
    iters: int
    batch: int
    patch: int
    lr: float
    milestones: tuple[int, ...] = ()
    gamma: float = 0.5
    init: str | None = None  # the recipe whose final weights it starts from
    seed_offset: int = 0  # trained with experiment.seed + seed_offset (seed variants: arsr_lib.config.seeds)
    # a common start: the seed variants of the runs that start from it start from this one run, as from a
    # pretrained model (the paper fine-tunes ESRGAN and SoSR from one pretrained ESRGAN; their training
    # variance is the fine-tune's)
    shared: bool = False

    RANGES: ClassVar[dict[str, Range]] = {
        "seed_offset": Range(0),
        "iters": COUNT,
        "batch": COUNT,
        "patch": Range(8),
        "lr": POSITIVE,
        "milestones": COUNT,
        "gamma": Range(0, 1, open_lo=True),
    }

    def __post_init__(self):
        object.__setattr__(self, "milestones", tuple(self.milestones))
        check_ranges(self, "recipe", self.RANGES)
        if self.arch not in SR_ARCHITECTURES:
            raise ValueError(f"recipe arch must be one of {SR_ARCHITECTURES} (got {self.arch!r})")
        if self.step not in STEP_KINDS:
            raise ValueError(f"recipe step must be one of {STEP_KINDS} (got {self.step!r})")
        if self.pixel_loss not in PIXEL_LOSSES:
            raise ValueError(f"recipe pixel_loss must be one of {PIXEL_LOSSES} (got {self.pixel_loss!r})")
        object.__setattr__(self, "milestones", tuple(self.milestones))


@dataclass(frozen=True)
class RecognitionConfig:
    """TSN (two streams, late fusion) and ST-ResNet: sizes, training and the test protocol."""

    depth: int | str = "tiny"
    width: int = 32
    crop: int = 80
    segments: int = 3
    new_length: int = 5
    batch: int = 8
    lr: float = 1e-3
    iters: Mapping = field(
        default_factory=lambda: frozen_map({"tsn_rgb": 2400, "tsn_flow": 600, "stresnet": 200})
    )
    dropout_rgb: float = 0.5
    dropout_flow: float = 0.5
    test_snippets: int = 5
    test_crops: int = 1
    fusion: tuple[float, float] = (1.0, 1.5)
    imagenet_weights: str | None = None  # local ResNet ImageNet state dict for the RGB stream
    partial_bn: bool = False
    flip_flow: bool = False
    schedule: EngineSchedule = EngineSchedule()
    # TSN's backbone weights in NHWC memory order (models.resnet.ResNet): faster CPU kernels, other bits
    channels_last: bool = False

    RANGES: ClassVar[dict[str, Range]] = {
        "width": COUNT,
        "crop": Range(8),
        "segments": COUNT,
        "new_length": COUNT,
        "batch": COUNT,
        "lr": POSITIVE,
        "iters": COUNT,
        "dropout_rgb": PROBABILITY,
        "dropout_flow": PROBABILITY,
        "test_snippets": COUNT,
        "test_crops": Range(1, 10),
        "fusion": WEIGHT,
    }

    def __post_init__(self):
        object.__setattr__(self, "iters", frozen_map(self.iters))
        object.__setattr__(self, "fusion", tuple(self.fusion))
        check_ranges(self, "recognition", self.RANGES)
        if self.depth not in ("tiny", 18, 34, 50):
            raise ValueError(f"recognition.depth must be tiny, 18, 34 or 50 (got {self.depth!r})")
        missing = [k for k in RECOGNISERS if k not in self.iters]
        if missing:
            raise ValueError(f"recognition.iters lacks {missing} (needs {RECOGNISERS})")


@dataclass(frozen=True)
class Paths:
    """Where a run writes: data caches, training runs and reports (``reports_root/<experiment name>``)."""

    project: str
    reports_root: str

    @property
    def data(self) -> Path:
        return Path(self.project) / "data"
