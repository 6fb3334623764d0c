"""Data preparation for an experiment: locate or generate the dataset, extract HR / LR / bicubic rawframes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from arsr_lib.config import Experiment
from arsr_lib.core.devices import resolve_device
from arsr_lib.core.errors import DatasetError
from arsr_lib.data import synth
from arsr_lib.data.datasets import SplitDataset, generation_tag
from arsr_lib.data.external import adopt_dataset, write_list_files
from arsr_lib.data.extract import extract_dataset
from arsr_lib.data.flow import flow_device
from arsr_lib.data.frames import FramesConfig
from arsr_lib.data.splitfiles import load_dataset


def prepare_dataset(exp: Experiment, progress: bool = True) -> SplitDataset:
    """The experiment's split, filtered to the videos present; SynthActions is generated if needed."""
    root = exp.dataset_root()
    data = exp.data
    if data.dataset == "synth":
        synth.generate(
            root,
            synth.config_for(str(data.synth_size), seed=exp.seed),
            workers=data.workers,
            progress=progress,
        )
    elif not root.is_dir():
        raise DatasetError(
            f"experiment {exp.name}: dataset root {root} not found; set data.root "
            f"(or ARSR_UCF101_ROOT for the paper profile)"
        )
    listed = load_dataset(data.dataset, data.split_dir, data.split, root)
    ds = replace(listed.filter_present(strict=bool(data.strict)), max_frames=data.max_frames)
    ds = ds.hold_out_groups(data.val_groups)
    if ds.missing:
        listed_n = len(listed.all_items())
        print(
            f"dataset {ds.name} split {ds.split}: {ds.missing} of {listed_n} listed videos are missing under "
            f"{root} and left out (data.strict=true lists them and stops)"
        )
    return ds


def dataset_tag(exp: Experiment) -> str | None:
    """The experiment's dataset generation tag (:func:`arsr_lib.data.datasets.generation_tag`)."""
    return generation_tag(exp.dataset_root())


def extract_variants(
    ds: SplitDataset,
    exp: Experiment,
    variants: tuple[str, ...] = ("hr", "lr", "bicubic"),
    subsets: tuple[str, ...] | None = None,
    progress: bool = True,
) -> dict[str, Path]:
    """Rawframes (JPEG frames + quantised flow) of each variant; cached and resumable. Only what is read is
    made (``subsets`` None): HR of the training split (the recognisers learn from it), the validation and the
    test split; LR and Bicubic of the validation and test splits (the viewer, the Bicubic baseline's scores,
    the calibration on validation)."""
    out = {}
    tag = dataset_tag(exp)
    data = exp.data
    # the torch TV-L1 on a GPU: flow in this process on the device, decoding and JPEGs in the workers
    device = flow_device(data.flow_method, resolve_device(exp.compute.device))
    on_device = dict(flow_device=str(device), flow_batch=exp.compute.flow_batch) if device else {}
    for variant in variants:
        # the LR variant is what SR methods consume: lossless PNG frames, flow not needed
        lr = variant == "lr"
        cfg = FramesConfig(
            variant=variant,
            flow_method=None if lr else data.flow_method,
            image_ext="png" if lr else "jpg",
            min_frames=1 if lr else 2,
            max_frames=data.max_frames,
            source_tag=tag,
        )
        root = exp.frames_root(variant)
        evaluated = ("val", "test") if ds.val else ("test",)
        read = subsets or ((("train",) + evaluated) if variant == "hr" else evaluated)
        if variant == "hr" and data.hr_rawframes:  # made elsewhere: checked and marked, not extracted
            adopt_dataset(ds, root, read)
        else:
            extract_dataset(
                ds,
                root,
                cfg,
                subsets=read,
                workers=data.workers,
                progress=progress,
                desc=variant,
                **(on_device if cfg.flow_method else {}),
            )
        # mmaction2 opens what was made (an adopted tree's own list files are kept)
        write_list_files(ds, root, read, keep_existing=variant == "hr" and bool(data.hr_rawframes))
        out[variant] = root
    return out
