"""Data preparation for a profile: locate or generate the dataset, extract HR / LR / bicubic rawframes."""
from __future__ import annotations

from pathlib import Path

from arsr_lib.datasets import SplitDataset, generation_tag, load_dataset
from arsr_lib.errors import DatasetError
from arsr_lib.frames import FramesConfig, extract_dataset
from arsr_lib.profiles import Profile


def prepare_dataset(profile: Profile, progress: bool = True) -> SplitDataset:
    """The profile's split, filtered to the videos present; SynthActions is generated if needed."""
    root = profile.resolved_root()
    if profile.dataset == "synth":
        from arsr_lib import synth

        synth.generate(root, synth.config_for(profile.synth_size, seed=profile.seed), workers=profile.workers,
                       progress=progress)
    elif not root.is_dir():
        raise DatasetError(f"profile {profile.name}: dataset root {root} not found; set data_root "
                           f"(or ARSR_UCF101_ROOT for the paper profile)")
    ds = load_dataset(profile.dataset, profile.split_dir, profile.split, root)
    return ds.filter_present(strict=profile.dataset == "synth")


def dataset_tag(profile: Profile) -> str | None:
    """The profile's dataset generation tag (:func:`arsr_lib.datasets.generation_tag`)."""
    return generation_tag(profile.resolved_root())


def extract_variants(ds: SplitDataset, profile: Profile, variants=("hr", "lr", "bicubic"),
                     subsets=("train", "test"), progress: bool = True) -> dict[str, Path]:
    """Rawframes (JPEG frames + quantised flow) of each variant; cached and resumable."""
    out = {}
    tag = dataset_tag(profile)
    for v in variants:
        # the LR variant is what SR methods consume: lossless PNG frames, flow not needed
        cfg = FramesConfig(variant=v, scale=profile.scale, flow_method=None if v == "lr" else profile.flow_method,
                           bound=profile.flow_bound, image_ext="png" if v == "lr" else "jpg",
                           min_frames=1 if v == "lr" else 2, source_tag=tag)
        root = profile.frames_root(v)
        extract_dataset(ds, root, cfg, subsets=subsets, workers=profile.workers, progress=progress, desc=v)
        out[v] = root
    return out
