"""``smoke``: SynthActions (smoke size), DIS flow, tiny networks on 32x32 HR patches, minutes on 2 CPU cores.

The feature loss is off (no VGG19 weights offline); without it ESRGAN's pixel weight of 1e-2 lets the GAN
term drift the colours, so the pixel term is 1 (docs/deviations.md).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from arsr_lib.config.compute import ComputeConfig
from arsr_lib.config.experiment import Experiment
from arsr_lib.config.schema import (
    DEFAULT_METHODS,
    DataConfig,
    EngineSchedule,
    PairMining,
    Paths,
    RecognitionConfig,
    SRArchitectures,
    SRLossConfig,
    SRRecipe,
)
from arsr_lib.config.study import SYNTH_FOCUS, Study


def recipes() -> dict[str, SRRecipe]:
    patch: dict[str, Any] = dict(batch=8, patch=32)
    return {
        "rrdb_psnr": SRRecipe("rrdbnet", "pixel", "l1", iters=300, lr=1e-3, **patch),
        "esrgan": SRRecipe("rrdbnet", "gan", "mse", iters=120, lr=1e-4, init="rrdb_psnr", **patch),
        "sosr": SRRecipe(
            "rrdbnet", "gan", "flow_weighted_mse", iters=120, lr=1e-4, init="rrdb_psnr", **patch
        ),
        "vdsr": SRRecipe("vdsr", "pixel", "mse", iters=300, lr=1e-3, **patch),
        "sosr_vdsr": SRRecipe("vdsr", "pixel", "flow_weighted_mse", iters=300, lr=1e-3, **patch),
        "duf": SRRecipe("duf", "pixel", "huber", iters=300, lr=1e-3, **patch),
        "tosr_duf": SRRecipe("duf", "siamese", "huber", iters=120, batch=4, patch=32, lr=1e-4, init="duf"),
        "tosr_vdsr": SRRecipe("vdsr", "siamese", "huber", iters=120, batch=4, patch=32, lr=1e-4, init="vdsr"),
        "tosr_esrgan": SRRecipe(
            "rrdbnet", "siamese", "huber", iters=120, batch=4, patch=32, lr=1e-4, init="esrgan"
        ),
    }


def _data() -> DataConfig:
    return DataConfig(
        dataset="synth",
        synth_size="smoke",
        split=1,
        flow_method="dis",
        workers=2,
        # 4 of the 8 twin videos per detail pair: their whole SR videos by every method were 84 s of the
        # run's SR work (synth: 8 of 60)
        detail_twins=4,
    )


def _sr_arch() -> SRArchitectures:
    return SRArchitectures(
        rrdbnet=dict(nf=16, nb=2, gc=8),
        vdsr=dict(depth=8, nf=32),
        duf=dict(num_layer=16, nf=16, growth=8, trunk=48),
        discriminator="vgg_discriminator_any",
        discriminator_args=dict(nf=16, stages=3),
    )


def _sr_loss() -> SRLossConfig:
    return SRLossConfig(
        pixel=1.0,
        feature=0.0,
        gan=5e-3,
        weight_form="normalised",
        weight_floor=0.1,
        huber_delta=0.01,
        tosr_weights=(1.0, 1.0, 1.0, 1.0),
        mask_outside=True,
    )


def _recognition() -> RecognitionConfig:
    # WalkLeft / WalkRight are mirror images: flipping flow would swap their labels (flip_flow=False)
    return RecognitionConfig(
        depth="tiny",
        width=32,
        crop=80,
        segments=3,
        new_length=5,
        batch=8,
        lr=1e-3,
        iters={"tsn_rgb": 2400, "tsn_flow": 600, "stresnet": 200},
        dropout_rgb=0.5,
        dropout_flow=0.5,
        test_snippets=5,
        test_crops=1,
        fusion=(1.0, 1.5),
        imagenet_weights=None,
        partial_bn=False,
        flip_flow=False,
        schedule=EngineSchedule(ckpt_every=50, log_every=10, val_every=0, amp=False),
        # TSN in NHWC order: faster one-thread steps (reports/benchmarks/channels_last.md)
        channels_last=True,
    )


def _compute() -> ComputeConfig:
    # the CPU reproduction loads training samples in the main process (2 cores: no spare for workers).
    # One torch thread per process and the recognisers in a second process beside the SR stages: two
    # one-thread processes do more than one two-thread process on 2 cores (reports/benchmarks/
    # channels_last.md). The thread count and AVX2 kernels on any x86 machine are pinned: both change the
    # bits (docs/reproducibility.md)
    # scoring (after the lane): one process reads the test inputs while the other core scores them.
    # glibc's fixed thresholds keep each training step's temporaries instead of faulting them in anew
    # every step (reports/benchmarks/malloc.md)
    return ComputeConfig(
        device="auto",
        workers=0,
        score_workers=1,
        threads=1,
        cpu_isa="AVX2",
        recogniser_lane=True,
        malloc_mmap_mb=32,
        malloc_trim_mb=256,
    )


def build(env: Mapping[str, str], paths: Paths) -> Experiment:
    return Experiment(
        name="smoke",
        seed=0,
        data=_data(),
        sr_arch=_sr_arch(),
        sr_loss=_sr_loss(),
        pairs=PairMining(gap=2, top_k=10, pairs_per_video=3),
        sr_schedule=EngineSchedule(ckpt_every=50, log_every=10, val_every=50, amp=False),
        recipes=recipes(),
        recognition=_recognition(),
        paths=paths,
        compute=_compute(),
        # the LR oracle trains a quarter of the recognisers' steps: the newcomer run stays under 10 minutes
        # (its tables are a demonstration, not evidence)
        study=replace(Study().restricted_to(DEFAULT_METHODS), oracle_scale=0.25, focus=SYNTH_FOCUS),
    )
