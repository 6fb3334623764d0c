"""``paper``: UCF101 split 1 on a GPU box with TV-L1 flow and the paper's / authors' values.

Reads, when built: ``ARSR_UCF101_ROOT`` and ``ARSR_UCF101_SPLITS`` (dataset root and split files),
``ARSR_VGG19_WEIGHTS`` (torchvision vgg19 state dict for ESRGAN's feature loss), ``ARSR_RESNET50_WEIGHTS``
(ImageNet ResNet-50 for the RGB stream). Sources of each value: docs/profiles.md.
"""

from __future__ import annotations

from typing import Any, Mapping

from arsr_lib.config.compute import ComputeConfig
from arsr_lib.config.experiment import Experiment
from arsr_lib.config.schema import (
    DataConfig,
    EngineSchedule,
    PairMining,
    Paths,
    RecognitionConfig,
    SRArchitectures,
    SRLossConfig,
    SRRecipe,
)

# DUF / ToSR: 20 epochs of 8,584 steps, lr 1e-3 then 1e-4 from epoch 10 (authors' code)
DUF_ITERS, DUF_DROP = 171_680, (85_840,)


def recipes() -> dict[str, SRRecipe]:
    patch: dict[str, Any] = dict(batch=16, patch=128)
    psnr_drops = (200_000, 400_000, 600_000, 800_000)
    return {
        # ESRGAN's RRDB_PSNR schedule
        "rrdb_psnr": SRRecipe(
            "rrdbnet", "pixel", "l1", iters=1_000_000, lr=2e-4, milestones=psnr_drops, **patch
        ),
        # the authors' test script loads a generator saved at 5,000 iterations: a short fine-tune
        "esrgan": SRRecipe("rrdbnet", "gan", "mse", iters=5000, lr=1e-4, init="rrdb_psnr", **patch),
        "sosr": SRRecipe(
            "rrdbnet", "gan", "flow_weighted_mse", iters=5000, lr=1e-4, init="rrdb_psnr", **patch
        ),
        "vdsr": SRRecipe("vdsr", "pixel", "mse", iters=200_000, lr=1e-4, milestones=(100_000,), **patch),
        "sosr_vdsr": SRRecipe(
            "vdsr", "pixel", "flow_weighted_mse", iters=200_000, lr=1e-4, milestones=(100_000,), **patch
        ),
        "duf": SRRecipe(
            "duf", "pixel", "huber", iters=DUF_ITERS, lr=1e-3, milestones=DUF_DROP, gamma=0.1, **patch
        ),
        "tosr_duf": SRRecipe(
            "duf",
            "siamese",
            "huber",
            iters=DUF_ITERS,
            lr=1e-3,
            milestones=DUF_DROP,
            gamma=0.1,
            init="duf",
            **patch,
        ),
        "tosr_vdsr": SRRecipe(
            "vdsr",
            "siamese",
            "huber",
            iters=DUF_ITERS,
            lr=1e-4,
            milestones=DUF_DROP,
            gamma=0.1,
            init="vdsr",
            **patch,
        ),
        "tosr_esrgan": SRRecipe(
            "rrdbnet",
            "siamese",
            "huber",
            iters=DUF_ITERS,
            lr=1e-4,
            milestones=DUF_DROP,
            gamma=0.1,
            init="esrgan",
            **patch,
        ),
    }


def _data(env: Mapping[str, str]) -> DataConfig:
    return DataConfig(
        dataset="ucf101",
        synth_size=None,
        root=env.get("ARSR_UCF101_ROOT"),
        split_dir=env.get("ARSR_UCF101_SPLITS"),
        split=1,
        flow_method="tvl1_torch",
        workers=16,
        sr_train_videos=134,
    )


def _sr_loss(env: Mapping[str, str]) -> SRLossConfig:
    return SRLossConfig(
        pixel=1e-2,
        feature=1.0,
        gan=5e-3,
        weight_form="code",  # the authors' code form of Eq. 1
        weight_floor=0.1,
        huber_delta=0.01,
        tosr_weights=(1.0, 1.0, 1.0, 1.0),
        mask_outside=True,
        vgg19_weights=env.get("ARSR_VGG19_WEIGHTS"),
    )


def _recognition(env: Mapping[str, str]) -> RecognitionConfig:
    # TSN's protocol: 3 segments, 25 snippets x 10 crops at test, RGB : flow = 1 : 1.5; ResNet-50
    # backbones (ST-ResNet's own; TSN's reference models are BN-Inception, not available here), ImageNet
    # weights
    return RecognitionConfig(
        depth=50,
        width=64,
        crop=224,
        segments=3,
        new_length=5,
        batch=32,
        lr=1e-4,
        iters={"tsn_rgb": 4500, "tsn_flow": 18000, "stresnet": 15000},
        dropout_rgb=0.8,
        dropout_flow=0.7,
        test_snippets=25,
        test_crops=10,
        fusion=(1.0, 1.5),
        imagenet_weights=env.get("ARSR_RESNET50_WEIGHTS"),
        partial_bn=True,
        flip_flow=True,
        schedule=EngineSchedule(ckpt_every=50, log_every=10, val_every=0, amp=True),
    )


def build(env: Mapping[str, str], paths: Paths) -> Experiment:
    return Experiment(
        name="paper",
        seed=0,
        data=_data(env),
        sr_arch=SRArchitectures(
            rrdbnet=dict(nf=64, nb=23, gc=32),
            vdsr=dict(depth=20, nf=64),
            duf=dict(num_layer=16),
            discriminator="vgg_discriminator",
            discriminator_args=dict(nf=64, size=128),
        ),
        sr_loss=_sr_loss(env),
        pairs=PairMining(gap=2, top_k=10, pairs_per_video=120),
        sr_schedule=EngineSchedule(ckpt_every=5000, log_every=100, val_every=5000, amp=True),
        recipes=recipes(),
        recognition=_recognition(env),
        paths=paths,
        compute=ComputeConfig(
            device="auto",
            bf16_inference=True,
            cache_mb=2048,
            # the largest torch TV-L1 batch benchmarks/gpu_check.py measures (8, 32, 128); one that does not
            # fit stops with an error naming this setting
            flow_batch=128,
        ),
    )
