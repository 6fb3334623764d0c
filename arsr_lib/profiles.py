"""Profiles: every parameter of a run in one place, with where its value comes from.

``smoke``: SynthActions (smoke size), DIS flow, CPU, minutes. ``paper``: UCF101 split 1 on a GPU
box (TV-L1, the paper's / authors' values); it needs the data paths (``ARSR_UCF101_ROOT``,
``ARSR_UCF101_SPLITS`` or the notebook parameters).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from arsr_lib import protocol


def project_root() -> Path:
    """The checkout holding ``pyproject.toml`` (data/ and reports/ live there)."""
    here = Path(__file__).resolve().parents[1]
    return here if (here / "pyproject.toml").is_file() else Path.cwd()


@dataclass(frozen=True)
class Profile:
    name: str
    dataset: str  # "synth" | "ucf101" | "hmdb51" | "folder"
    synth_size: str | None  # SynthActions size (see arsr_lib.synth.SIZES)
    data_root: str | None  # dataset root; None: data/<dataset name>
    split_dir: str | None  # split files; None: <data_root>/ucfTrainTestlist
    split: int
    scale: int
    flow_method: str
    flow_bound: float
    workers: int
    seed: int
    eval_videos: int | None = None  # evaluate on an evenly spread subset of the test split (None: all)

    def resolved_root(self) -> Path:
        if self.data_root:
            return Path(os.path.expanduser(self.data_root))
        return project_root() / "data" / (f"synth-{self.synth_size}" if self.dataset == "synth" else self.dataset)

    def frames_root(self, variant: str) -> Path:
        """Rawframes of a variant (hr, lr, bicubic) of the dataset; SR methods' under ``sr/`` per profile."""
        data = f"synth-{self.synth_size}" if self.dataset == "synth" else self.dataset
        if variant == "sr":
            return project_root() / "data" / "rawframes" / data / f"sr-{self.name}"
        return project_root() / "data" / "rawframes" / data / variant

    def reports_dir(self) -> Path:
        """``reports/<profile>``; ``ARSR_REPORTS_DIR`` moves the ``reports`` folder (tests use it)."""
        return Path(os.environ.get("ARSR_REPORTS_DIR") or project_root() / "reports") / self.name

    def runs_dir(self) -> Path:
        """Training runs (checkpoints, CSV logs) of this profile."""
        return project_root() / "runs" / self.name

    def sr_root(self) -> Path:
        """SR test videos of every method (lossless AVI)."""
        return project_root() / "data" / "sr" / f"{self.name}-{self.dataset}"


# value sources for the README's parameter table: paper / authors' code / ours
SOURCES = {
    "dataset": "ours (smoke: SynthActions); paper: UCF101 and HMDB51",
    "split": "paper uses the official splits; split 1 as TSN's reference models (ours)",
    "scale": "paper / authors' code (x4 everywhere)",
    "flow_method": "paper: TV-L1 (TSN dense_flow); smoke: DIS for CPU speed (ours)",
    "flow_bound": "TSN dense_flow -b 20 (upstream; the authors used TSN's tools)",
    "workers": "ours (2-core CI machine)",
    "seed": "ours",
}

PROFILES = {
    "smoke": Profile("smoke", "synth", "smoke", None, None, 1, protocol.SCALE, "dis", protocol.FLOW_BOUND, 2, 0),
    # the notebooks' default: the smoke data with token training, so pytest --nbval-lax runs every cell quickly
    "ci": Profile("ci", "synth", "smoke", None, None, 1, protocol.SCALE, "dis", protocol.FLOW_BOUND, 2, 0, 12),
    "paper": Profile("paper", "ucf101", None, os.environ.get("ARSR_UCF101_ROOT"), os.environ.get("ARSR_UCF101_SPLITS"),
                     1, protocol.SCALE, "tvl1", protocol.FLOW_BOUND, 16, 0),
}


def get_profile(name: str, **overrides) -> Profile:
    """A profile with notebook/CLI overrides applied (``None`` values are ignored)."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}")
    return replace(PROFILES[name], **{k: v for k, v in overrides.items() if v is not None})


# ---------------------------------------------------------------------------------------------
# SR recipes: architecture sizes and training schedules per profile
# ---------------------------------------------------------------------------------------------
# smoke: tiny nets on 32x32 HR patches, a few minutes in total on 2 CPU cores; feature loss off
# (no VGG19 weights offline). paper: the paper's / authors' values (README's parameter table).
SR_ARCH = {
    "smoke": {"rrdbnet": dict(nf=16, nb=2, gc=8), "vdsr": dict(depth=8, nf=32),
              "duf": dict(num_layer=16, nf=16, growth=8, trunk=48),
              "disc": ("vgg_discriminator_any", dict(nf=16, stages=3))},
    "paper": {"rrdbnet": dict(nf=64, nb=23, gc=32), "vdsr": dict(depth=20, nf=64), "duf": dict(num_layer=16),
              "disc": ("vgg_discriminator", dict(nf=64, size=128))},
}

# recipe -> (iters, batch, HR patch, lr, milestones); "init": the recipe whose weights it starts from
SR_TRAIN = {
    "smoke": {
        "rrdb_psnr": dict(iters=300, batch=8, patch=32, lr=1e-3),
        "esrgan": dict(iters=120, batch=8, patch=32, lr=1e-4, init="rrdb_psnr"),
        "sosr": dict(iters=120, batch=8, patch=32, lr=1e-4, init="rrdb_psnr"),
        "vdsr": dict(iters=300, batch=8, patch=32, lr=1e-3),
        "sosr_vdsr": dict(iters=300, batch=8, patch=32, lr=1e-3),
        "duf": dict(iters=300, batch=8, patch=32, lr=1e-3),
        "tosr_duf": dict(iters=120, batch=4, patch=32, lr=1e-4, init="duf"),
        "tosr_vdsr": dict(iters=120, batch=4, patch=32, lr=1e-4, init="vdsr"),
    },
    "paper": {
        # ESRGAN's RRDB_PSNR schedule (or load RRDB_PSNR_x4.pth with --init-weights)
        "rrdb_psnr": dict(iters=1_000_000, batch=16, patch=128, lr=2e-4, milestones=(200_000, 400_000, 600_000, 800_000)),
        # the authors' test script loads a generator saved at 5,000 iterations: a short fine-tune
        "esrgan": dict(iters=5000, batch=16, patch=128, lr=1e-4, init="rrdb_psnr"),
        "sosr": dict(iters=5000, batch=16, patch=128, lr=1e-4, init="rrdb_psnr"),
        "vdsr": dict(iters=200_000, batch=16, patch=128, lr=1e-4, milestones=(100_000,)),
        "sosr_vdsr": dict(iters=200_000, batch=16, patch=128, lr=1e-4, milestones=(100_000,)),
        # DUF/ToSR: 20 epochs of 8,584 steps, lr 1e-3 then 1e-4 from epoch 10 (authors' code)
        "duf": dict(iters=171_680, batch=16, patch=128, lr=1e-3, milestones=(85_840,), gamma=0.1),
        "tosr_duf": dict(iters=171_680, batch=16, patch=128, lr=1e-3, milestones=(85_840,), gamma=0.1, init="duf"),
        "tosr_vdsr": dict(iters=171_680, batch=16, patch=128, lr=1e-4, milestones=(85_840,), gamma=0.1, init="vdsr"),
    },
}

# loss weights (ESRGAN config shipped by the authors; SoSR changes only the pixel term)
SR_LOSS = {
    # smoke has no VGG19 weights offline (feature weight 0); without the feature term a pixel weight of 1e-2 lets
    # the GAN term drift the colours, so the pixel term is raised to 1 (README deviations table)
    "smoke": dict(pixel=1.0, feature=0.0, gan=5e-3, weight_form="normalised", weight_floor=0.1, huber_delta=0.01,
                  tosr_weights=(1.0, 1.0, 1.0, 1.0), mask_outside=True, gap=2, top_k=10, pairs_per_video=3),
    "paper": dict(pixel=1e-2, feature=1.0, gan=5e-3, weight_form="normalised", weight_floor=0.1, huber_delta=0.01,
                  tosr_weights=(1.0, 1.0, 1.0, 1.0), mask_outside=True, gap=2, top_k=10, pairs_per_video=None),
}
VGG19_WEIGHTS = os.environ.get("ARSR_VGG19_WEIGHTS")  # local torchvision vgg19 state dict (paper profile)


# ---------------------------------------------------------------------------------------------
# recognisers: TSN (two streams, late fusion) and ST-ResNet, trained on HR rawframes
# ---------------------------------------------------------------------------------------------
REC = {
    "smoke": dict(depth="tiny", width=32, crop=80, segments=3, new_length=5, batch=8, lr=1e-3,
                  iters={"tsn_rgb": 2400, "tsn_flow": 600, "stresnet": 200}, dropout_rgb=0.5, dropout_flow=0.5,
                  test_snippets=5, test_crops=1, fusion=(1.0, 1.5), imagenet=None, partial_bn=False,
                  flip_flow=False),  # WalkLeft / WalkRight are mirror images: flipping flow would swap their labels
    # TSN's protocol: 3 segments, 25 snippets x 10 crops at test, RGB : flow = 1 : 1.5; ResNet-50 backbones
    # (ST-ResNet's own; TSN's reference models are BN-Inception, not available here) from local ImageNet weights
    "paper": dict(depth=50, width=64, crop=224, segments=3, new_length=5, batch=32, lr=1e-4,
                  iters={"tsn_rgb": 4500, "tsn_flow": 18000, "stresnet": 15000}, dropout_rgb=0.8, dropout_flow=0.7,
                  test_snippets=25, test_crops=10, fusion=(1.0, 1.5), imagenet=os.environ.get("ARSR_RESNET50_WEIGHTS"),
                  partial_bn=True, flip_flow=True),
}


# the ci profile: smoke's sizes with a few iterations of everything (checks that every cell runs)
SR_ARCH["ci"] = SR_ARCH["smoke"]
SR_LOSS["ci"] = SR_LOSS["smoke"]
SR_TRAIN["ci"] = {k: {**v, "iters": 6} for k, v in SR_TRAIN["smoke"].items()}
REC["ci"] = {**REC["smoke"], "iters": {"tsn_rgb": 6, "tsn_flow": 6, "stresnet": 4}}
