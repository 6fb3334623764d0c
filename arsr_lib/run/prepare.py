"""What a command needs before it trains or evaluates, made from an empty ``data/`` and ``runs/`` by the same
stage code the notebooks call (and reused when a notebook already made it), never writing under
``reports/``: ``arsr recognisers`` needs the HR rawframes of the training split; ``arsr evaluate`` needs the
rawframes notebook 01 makes and the SR runs of notebooks 02 and 03."""

from __future__ import annotations

from arsr_lib.config import Experiment
from arsr_lib.config.seeds import recipe_chain
from arsr_lib.core.atomic import is_complete
from arsr_lib.data.datasets import SplitDataset
from arsr_lib.data.frames import output_dir
from arsr_lib.data.prep import extract_variants, prepare_dataset
from arsr_lib.recognition.training import KINDS
from arsr_lib.sr.recipes import train_recipe


def prepare_recognisers(exp: Experiment, progress: bool = True) -> SplitDataset:
    """The experiment's dataset (generated if synthetic) with the HR rawframes the recognisers train on."""
    ds = prepare_dataset(exp, progress=progress)
    extract_variants(ds, exp, ("hr",), subsets=("train",), progress=progress)
    return ds


def prepare_recipe(exp: Experiment, name: str, progress: bool = True) -> tuple[list[str], list[str]]:
    """The training and validation videos of SR recipe ``name``, with the runs it starts from trained first
    (each with its own settings; ``tosr_duf`` starts from ``duf``); returns (train videos, val videos)."""
    ds = prepare_dataset(exp, progress=progress)
    train = [str(ds.path(i)) for i in ds.train]
    val = [str(ds.path(i)) for i in ds.val]  # the validation split; never the test split
    for recipe in recipe_chain(exp.recipes, name)[:-1]:
        train_recipe(recipe, exp, train, val, progress=progress)
    return train, val


def prepare_evaluation(exp: Experiment, progress: bool = True) -> SplitDataset:
    """The experiment's dataset with notebook 01's rawframes and every SR run its methods need (trained in
    order, each after the run it starts from; finished runs are reused), validated on the validation split."""
    ds = prepare_dataset(exp, progress=progress)
    extract_variants(ds, exp, progress=progress)
    train = [str(ds.path(i)) for i in ds.train]
    val = [str(ds.path(i)) for i in ds.val]
    for name in exp.recipes_for(exp.methods):
        train_recipe(name, exp, train, val, progress=progress)
    return ds


def unprepared(exp: Experiment, ds: SplitDataset) -> list[str]:
    """What a sharded evaluation of ``ds.test`` would need and lacks (recognisers, SR runs, the HR and
    Bicubic rawframes of its test videos): shares run side by side, so they make none of it (two processes
    would write the same folders); an unsharded ``arsr evaluate`` or the notebooks make it first."""
    runs = exp.runs_dir()
    missing = [f"recogniser {k}" for k in KINDS if not (runs / k / "final.pt").is_file()]
    missing += [
        f"SR run {name}" for name in exp.recipes_for(exp.methods) if not (runs / name / "final.pt").is_file()
    ]
    for variant in ("hr", "bicubic"):
        lacking = [i for i in ds.test if not is_complete(output_dir(exp.frames_root(variant), i.rel_path))]
        if lacking:
            missing.append(f"{variant} rawframes of {len(lacking)} test video(s)")
    return missing
