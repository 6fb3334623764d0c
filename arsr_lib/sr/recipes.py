"""SR training recipes on top of the one engine: an experiment's :class:`~arsr_lib.config.SRRecipe` becomes a
task (models, step, validation), a dataset and an engine configuration.

| recipe | model | step | pixel loss | starts from |
|---|---|---|---|---|
| rrdb_psnr | RRDBNet | pixel | L1 | scratch |
| esrgan | RRDBNet + VGG discriminator | gan | MSE (+ feature + RaGAN) | rrdb_psnr |
| sosr | same | gan | flow-weighted MSE (+ feature + RaGAN) | rrdb_psnr |
| vdsr | VDSR | pixel | MSE | scratch |
| sosr_vdsr | VDSR | pixel | flow-weighted MSE | scratch |
| duf | VSR-DUF (7 frames) | pixel | Huber (delta 0.01) | scratch |
| tosr_duf | VSR-DUF, siamese | siamese | ToSR four-term loss | duf |
| tosr_vdsr | VDSR, siamese | siamese | ToSR four-term loss | vdsr |
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from arsr_lib.config import Experiment, SRRecipe, to_dict
from arsr_lib.config.seeds import seeds_of
from arsr_lib.core import protocol
from arsr_lib.core.atomic import file_digest, files_tag
from arsr_lib.core.codekey import code_digest
from arsr_lib.core.devices import rank_device, resolve_device
from arsr_lib.core.shards import shard_of, torchrun_shard
from arsr_lib.data.flow import flow_device
from arsr_lib.models import build_model
from arsr_lib.models.pretrained import is_pretrained, pretrained_spec, pretrained_state_dict, weights_digest
from arsr_lib.sr.featurenet import feature_loss
from arsr_lib.sr.inference import to_uint8
from arsr_lib.sr.metrics import psnr_y
from arsr_lib.sr.pairs import PairConfig, ToSRPairDataset
from arsr_lib.sr.srdata import PatchConfig, SRPatchDataset, VideoSource
from arsr_lib.train.checkpoint import load_final
from arsr_lib.train.engine import Engine
from arsr_lib.train.steps import GanStep, PixelStep, SiameseStep
from arsr_lib.train.task import Task, TrainConfig, seed_everything

VALIDATION_VIDEOS, VALIDATION_PATCHES = 4, 8


def stage_methods(exp: Experiment, stage: str) -> list[str]:
    """The methods SR training stage ``stage`` of the study (``sosr``, ``tosr``) trains and compares, those
    the experiment has, each followed by its training seeds (:mod:`arsr_lib.config.seeds`)."""
    return [v for m in exp.study.stage(stage) if m in exp.methods for v in seeds_of(m, exp.methods)]


def stage_recipes(exp: Experiment, stage: str) -> list[str]:
    """The recipes SR training stage ``stage`` trains, each after the run it starts from, leaving out what an
    earlier stage of the study trains (``tosr`` starts ToSR-VDSR from the VDSR that ``sosr`` trains)."""
    earlier = []
    for name in exp.study.stages:
        if name == stage:
            break
        earlier += exp.recipes_for(stage_methods(exp, name))
    return [r for r in exp.recipes_for(stage_methods(exp, stage)) if r not in earlier]


def _validation(model, samples: list[dict], device):
    def validate():
        values = [psnr_y(to_uint8(model(s["lr"][None].to(device))[0]), to_uint8(s["hr"])) for s in samples]
        return {"val_psnr_y": float(np.mean(values))}

    return validate


def video_source(exp: Experiment, videos: list) -> VideoSource:
    """The experiment's HR frames of ``videos`` for SR training: frame cap, memory budget
    (``compute.cache_mb``, shared by the DataLoader workers), on-disk flow."""
    return VideoSource(
        videos,
        scale=protocol.SCALE,
        flow_method=exp.data.flow_method,
        max_frames=exp.data.max_frames,
        cache_bytes=exp.loader_cache_bytes,
        flow_cache=exp.paths.data / "flowcache" / exp.data.name,
    )


# the siamese pairs the ToSR chapter shows: 48-px patches on a finer grid than training's (stride 12 x 10 px,
# margin 3), so that a few small videos give enough of them
EXAMPLE_PAIRS: dict[str, Any] = {"patch": 48, "stride": (12, 10), "margin": 3}


def example_pairs(exp: Experiment, videos: list, pairs_per_video: int = 2) -> ToSRPairDataset:
    """ToSR training pairs of ``videos`` as the experiment mines them (gap, top-k), for a figure."""
    cfg = PairConfig(gap=exp.pairs.gap, top_k=exp.pairs.top_k, **EXAMPLE_PAIRS)
    return ToSRPairDataset(video_source(exp, videos), cfg, pairs_per_video=pairs_per_video, augment=False)


def sr_training_videos(exp: Experiment, videos: list) -> list:
    """The training videos SR models learn from: ``data.sr_train_videos`` of them spread evenly (all when
    None)."""
    n = exp.data.sr_train_videos
    if n is None or n >= len(videos):
        return list(videos)
    step = len(videos) / n
    return [videos[int(i * step)] for i in range(n)]


def _validation_samples(exp: Experiment, videos, recipe: SRRecipe, n_frames: int) -> list[dict]:
    source = video_source(exp, videos[:VALIDATION_VIDEOS])
    cfg = PatchConfig(patch=min(64, recipe.patch * 2), augment=False, n_frames=n_frames, weighted=False)
    dataset = SRPatchDataset(source, cfg, length=VALIDATION_PATCHES, seed=exp.seed + 1)
    return [dataset[i] for i in range(len(dataset))]


def _pair_dataset(exp: Experiment, recipe: SRRecipe, source: VideoSource, n_frames: int):
    patch = recipe.patch
    # the authors' grid stride (40, 30) and margin 10 are for 128-px patches: scaled to the patch
    cfg = PairConfig(
        patch=patch,
        gap=exp.pairs.gap,
        n_frames=n_frames,
        top_k=exp.pairs.top_k,
        stride=(max(4, patch * 40 // 128), max(4, patch * 30 // 128)),
        margin=max(1, patch * 10 // 128),
    )
    return ToSRPairDataset(
        source,
        cfg,
        pairs_per_video=exp.pairs.pairs_per_video,
        seed=exp.seed,  # the mined pairs are data, the same for every training seed (sampled by the seed)
        workers=max(1, exp.workers),
    )


def _step(exp: Experiment, recipe: SRRecipe, models: dict, specs: dict, source: VideoSource, device):
    """(the recipe's training step, the digest of its feature network); adds the discriminator to ``models``
    / ``specs`` for GAN steps, from the run the recipe starts from when that run has one (a warm-up)."""
    if recipe.step == "siamese":
        return SiameseStep(exp.sr_loss), None
    if recipe.step == "pixel":
        return PixelStep(recipe.pixel_loss, exp.sr_loss), None
    arch = exp.sr_arch
    models["d"] = build_model(arch.discriminator, **arch.discriminator_args)
    specs["d"] = {"arch": arch.discriminator, "kwargs": dict(arch.discriminator_args)}
    init = exp.runs_dir() / recipe.init / "final.pt" if recipe.init and recipe.init in exp.recipes else None
    if init is not None and "d" in (start := load_final(init))["models"]:
        models["d"].load_state_dict(start["models"]["d"])
    feature, digest = feature_loss(exp, source, device) if recipe.step == "gan" else (None, None)
    return GanStep(recipe.pixel_loss, exp.sr_loss, feature, recipe.step == "d_warmup"), digest


def _generator(exp: Experiment, recipe: SRRecipe) -> tuple[torch.nn.Module, dict, str | None]:
    """The seeded generator, its spec, and the digest of the run it starts from (None: scratch)."""
    seed_everything(exp.seed + recipe.seed_offset)
    arch_args = dict(exp.sr_arch.args_of(recipe.arch))
    generator = build_model(recipe.arch, **arch_args)
    if not recipe.init:
        return generator, {"arch": recipe.arch, "kwargs": arch_args}, None
    if is_pretrained(recipe.init):
        if (recipe.arch, arch_args) != (pretrained_spec()["arch"], pretrained_spec()["kwargs"]):
            raise ValueError(
                f"recipe {recipe.init!r} init needs sr_arch.rrdbnet = {pretrained_spec()['kwargs']} "
                f"(the pretrained model's size); this experiment has {recipe.arch} {arch_args}"
            )
        generator.load_state_dict(pretrained_state_dict(recipe.init, exp.paths.data / "pretrained"))
        return generator, {"arch": recipe.arch, "kwargs": arch_args}, weights_digest(recipe.init)
    init_path = exp.runs_dir() / recipe.init / "final.pt"
    generator.load_state_dict(load_final(init_path)["models"]["g"])
    return generator, {"arch": recipe.arch, "kwargs": arch_args}, file_digest(init_path)


def _train_config(exp: Experiment, recipe: SRRecipe, iters: int | None) -> TrainConfig:
    sched = exp.sr_schedule
    return TrainConfig(
        iters=recipe.iters if iters is None else iters,
        batch=recipe.batch,
        lr=recipe.lr,
        milestones=recipe.milestones,
        gamma=recipe.gamma,
        seed=exp.seed + recipe.seed_offset,
        ckpt_every=sched.ckpt_every,
        log_every=sched.log_every,
        val_every=sched.val_every,
        amp=sched.amp,
        num_workers=exp.workers,
    )


def _dataset(exp: Experiment, recipe: SRRecipe, source: VideoSource, n_frames: int, cfg: TrainConfig):
    if recipe.step == "siamese":
        return _pair_dataset(exp, recipe, source, n_frames)
    patches = PatchConfig(
        patch=recipe.patch,
        n_frames=n_frames,
        weight_floor=exp.sr_loss.weight_floor,
        weight_ref=exp.sr_loss.weight_ref,
        weighted=recipe.pixel_loss == "flow_weighted_mse",
    )
    return SRPatchDataset(source, patches, length=max(cfg.iters * cfg.batch, 1), seed=cfg.seed)


def _warm_flows(exp: Experiment, recipe: SRRecipe, source: VideoSource, device: torch.device) -> None:
    """The torch TV-L1 on a GPU: the HR flow the recipe reads (SoSR's weight maps, gap 1; ToSR's pairs, the
    pairs' gap) computed on the device before training, each rank its share of the videos under torchrun
    (a pair another rank has not written yet is computed where it is read)."""
    on_device = flow_device(exp.data.flow_method, rank_device(device))
    siamese, weighted = recipe.step == "siamese", recipe.pixel_loss == "flow_weighted_mse"
    if on_device is None or not (siamese or weighted):
        return
    share = shard_of(len(source), torchrun_shard() or (1, 1))
    gaps = (exp.pairs.gap,) if siamese else (1,)
    source.warm_flows(gaps, on_device, exp.compute.flow_batch, videos=share, progress=True)


def build_recipe(
    name: str,
    exp: Experiment,
    train_videos: list,
    val_videos: list | None = None,
    iters: int | None = None,
    device: str | torch.device | None = None,
) -> tuple[Task, Dataset, TrainConfig, Path]:
    """(task, dataset, TrainConfig, out_dir) of recipe ``name`` of ``exp``; ``device`` None: the experiment's
    ``compute.device``. SR learns from ``data.sr_train_videos`` of ``train_videos``."""
    recipe = exp.recipe(name)
    device = resolve_device(device or exp.compute.device)
    train_videos = sr_training_videos(exp, train_videos)
    generator, spec, init_digest = _generator(exp, recipe)
    specs = {"g": spec}
    n_frames = getattr(generator, "n_frames", 1)
    cfg = _train_config(exp, recipe, iters)
    flow_method = exp.data.flow_method
    val = _validation_samples(exp, val_videos, recipe, n_frames) if val_videos else []
    models = {"g": generator}
    source = video_source(exp, train_videos)
    _warm_flows(exp, recipe, source, device)
    dataset = _dataset(exp, recipe, source, n_frames, cfg)
    step, feature_digest = _step(exp, recipe, models, specs, source, device)
    signature = {
        "recipe": name,
        "settings": to_dict(recipe),
        "specs": specs,
        "loss": to_dict(exp.sr_loss),
        "pairs": to_dict(exp.pairs),
        "init": init_digest,
        "feature_net": feature_digest,
        "flow": flow_method,
        "train_videos": files_tag(train_videos),
        "max_frames": exp.data.max_frames,
        "code": code_digest("sr_training"),
    }
    validate = _validation(generator, val, device) if val else None
    task = Task(models=models, step=step, specs=specs, validate=validate, signature=signature)
    return task, dataset, cfg, exp.runs_dir() / name


def train_recipe(
    name: str,
    exp: Experiment,
    train_videos: list,
    val_videos: list | None = None,
    progress: bool = True,
    iters: int | None = None,
    device: str | torch.device | None = None,
) -> Path:
    """Train (or resume, or reuse a finished run of) recipe ``name``; returns its ``final.pt``."""
    device = resolve_device(device or exp.compute.device)
    task, dataset, cfg, out = build_recipe(name, exp, train_videos, val_videos, iters=iters, device=device)
    Engine(task, dataset, cfg, out, device=device, progress=progress, desc=name).run()
    return out / "final.pt"


def method_checkpoints(
    exp: Experiment, methods: Iterable[str] | None = None, runs_dir: str | Path | None = None
) -> dict:
    """``method name -> checkpoint`` for the evaluation's SR methods (``exp.methods``; None: all of them):
    the ``final.pt`` of its recipe's run, the name of a pretrained model (used untouched), or None
    (Bicubic). ``runs_dir``: where the runs are (None: the experiment's)."""
    runs = Path(runs_dir) if runs_dir else exp.runs_dir()
    out: dict[str, str | Path | None] = {}
    for m in exp.methods if methods is None else methods:
        source = exp.method_source(m)
        if source is None or is_pretrained(source):
            out[m] = source
        else:
            out[m] = runs / source / "final.pt"
    return out
