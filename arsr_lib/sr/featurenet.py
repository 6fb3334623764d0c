"""The feature network of ESRGAN's perceptual loss, trained here
(:class:`arsr_lib.models.featurenet.FeatureNet`; ImageNet VGG19 weights are not available offline,
docs/deviations.md).

It learns, on HR patches of the experiment's SR training videos, by how many quarter turns a patch was
rotated (a pretext task: no action label is seen), as one cached run ``runs/<experiment>/featurenet`` that
every GAN recipe of the experiment shares (ESRGAN and SoSR compare features of the same network). The
loss then compares its features (before the last ReLU) of SR and HR, L1, as ESRGAN compares VGG19's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from arsr_lib.config import Experiment
from arsr_lib.core.atomic import file_digest, files_tag
from arsr_lib.core.codekey import code_digest
from arsr_lib.models import build_model, model_from_checkpoint
from arsr_lib.sr.srdata import PatchConfig, SRPatchDataset, VideoSource
from arsr_lib.train.checkpoint import load_final
from arsr_lib.train.engine import Engine
from arsr_lib.train.losses import FeatureLoss, NetFeatureLoss
from arsr_lib.train.steps import ClassifierStep
from arsr_lib.train.task import Task, TrainConfig, seed_everything

PATCH = 48  # HR patch side the network learns from (SR training patches are 32-128 px)
BATCH = 32


class RotatedPatches(Dataset):
    """``{"x": HR patch turned by k quarter turns, "label": k}``; patch and k drawn from ``(seed, index)``."""

    def __init__(self, source: VideoSource, length: int, seed: int):
        cfg = PatchConfig(patch=PATCH, augment=False, weighted=False)
        self.patches, self.seed = SRPatchDataset(source, cfg, length, seed), seed

    def __len__(self) -> int:
        return len(self.patches)

    def __getitem__(self, idx: int) -> dict:
        k = int(np.random.default_rng([self.seed, 7, idx]).integers(4))
        hr = self.patches[idx]["hr"]
        return {"x": torch.rot90(hr, k, (1, 2)).contiguous(), "label": torch.tensor(k)}


def train_feature_net(
    exp: Experiment, source: VideoSource, device: torch.device, progress: bool = True
) -> Path:
    """Train (or reuse) the experiment's feature network; returns its ``final.pt``."""
    loss = exp.sr_loss
    seed_everything(exp.seed)
    spec = {"arch": "featurenet", "kwargs": {}}
    net = build_model("featurenet")
    cfg = TrainConfig(iters=loss.feature_net_iters, batch=BATCH, lr=1e-3, seed=exp.seed, log_every=20)
    signature = {
        "feature_net_iters": loss.feature_net_iters,
        "train_videos": files_tag(source.paths),
        "code": code_digest("sr_training"),
    }
    task = Task({"g": net}, ClassifierStep(("x",)), specs={"g": spec}, signature=signature)
    dataset = RotatedPatches(source, cfg.iters * cfg.batch, exp.seed)
    out = exp.runs_dir() / "featurenet"
    Engine(task, dataset, cfg, out, device=device, progress=progress, desc="featurenet").run()
    return out / "final.pt"


def feature_loss(
    exp: Experiment, source: VideoSource, device: torch.device, progress: bool = True
) -> tuple[nn.Module | None, str | None]:
    """The perceptual loss of the experiment's GAN recipes and the digest of the network it uses (None, None
    when the feature weight is 0): VGG19 from a local weights file, or the network trained here."""
    loss = exp.sr_loss
    if loss.feature <= 0:
        return None, None
    if loss.feature_net == "vgg19":
        return FeatureLoss(loss.vgg19_weights).to(device), file_digest(loss.vgg19_weights)  # type: ignore[arg-type]
    final = train_feature_net(exp, source, device, progress)
    net = model_from_checkpoint(load_final(final))
    return NetFeatureLoss(net).to(device), file_digest(final)
