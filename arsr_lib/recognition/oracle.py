"""The LR oracle: can the x4 LR input tell the classes apart at all?

A premise of every SR claim is that what SR should restore is still in the LR input: information that x4
destroys is no test of SR (no SR method, with or without the paper's losses, can recover it). The oracle
answers it per class. It is the experiment's TSN streams, with the same settings, trained on the Bicubic
frames of the training split (LR brought to the recogniser's input size, nothing added) instead of HR, and
scored on the validation split's Bicubic frames. A class the oracle separates on validation carries its
cue in the LR input; one it cannot is dropped from the calibration and from what a claim is read on. The
test split is never read.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from arsr_lib.config import Experiment
from arsr_lib.core.atomic import MARKER, files_tag
from arsr_lib.core.devices import runtime
from arsr_lib.data.datasets import SplitDataset
from arsr_lib.data.frames import output_dir
from arsr_lib.data.prep import extract_variants
from arsr_lib.recognition.scores import Harness
from arsr_lib.recognition.tables import per_class_top1
from arsr_lib.recognition.training import train_experiment_recognisers
from arsr_lib.sr.testframes import STREAMS_BOTH

ORACLE_KINDS = ("tsn_rgb", "tsn_flow")


def oracle_runs(exp: Experiment) -> Path:
    return exp.runs_dir() / "oracle"


def train_oracle(exp: Experiment, ds: SplitDataset, progress: bool = True) -> dict[str, Path]:
    """The oracle's TSN streams (``kind -> final.pt``), trained (or reused) on the Bicubic frames of the
    training split, which are extracted here when missing, for ``study.oracle_scale`` of the HR recognisers'
    steps."""
    extract_variants(ds, exp, ("bicubic",), subsets=("train",), progress=progress)
    scale = exp.study.oracle_scale
    rec = replace(
        exp.recognition, iters={k: max(1, round(v * scale)) for k, v in exp.recognition.iters.items()}
    )
    return train_experiment_recognisers(exp, ds, progress, "tsn_flow", "bicubic", oracle_runs(exp), rec)


def oracle_harness(exp: Experiment, val: SplitDataset, paths: dict[str, Path]) -> Harness:
    """A harness scoring the oracle on ``val`` (``SplitDataset.validation()``: its ``test`` list is the
    validation videos) from their Bicubic frames; its scores are cached apart from the recognisers'."""
    root = Path(exp.frames_root("bicubic"))
    tag = "bicubic-" + files_tag([output_dir(root, i.rel_path) / MARKER for i in val.test])
    return Harness(
        exp.name,
        val,
        {"Bicubic": root},
        {"Bicubic": tag},
        dict(paths),
        exp.runs_dir() / "scores-oracle-val",
        exp.recognition,
        exp.data.flow_method,
        {"Bicubic": STREAMS_BOTH},
        runtime(exp.compute.device, exp.compute.bf16_inference, exp.score_workers),
    )


def oracle_table(val_harness: Harness, oracle: Harness, separable: float) -> pd.DataFrame:
    """Per class and stream, on validation: the HR recogniser on HR frames and on Bicubic frames, the oracle
    on Bicubic frames, and whether the class is recoverable (the oracle's top-1 of that stream at least
    ``separable`` %). Rows: the classes, then ``all`` (top-1 over every validation video)."""
    labels, classes = oracle.labels, list(oracle.ds.classes)
    n = len(classes)
    table: dict[str, list] = {"videos": [int((labels == c).sum()) for c in range(n)] + [len(labels)]}
    for stream in ("rgb", "flow"):
        kind = f"tsn_{stream}"
        columns = {
            f"{stream}: HR rec. on HR": val_harness.scores(kind, stream, "HR"),
            f"{stream}: HR rec. on Bicubic": val_harness.scores(kind, stream, "Bicubic"),
            f"{stream}: LR oracle on Bicubic": oracle.scores(kind, stream, "Bicubic"),
        }
        for name, scores in columns.items():
            overall = 100 * float((scores.argmax(1) == labels).mean())
            table[name] = [*per_class_top1(scores, labels, n), overall]
        oracle_col = table[f"{stream}: LR oracle on Bicubic"]
        table[f"{stream}: recoverable"] = [bool(v >= separable) for v in oracle_col[:n]] + [None]
    return pd.DataFrame(table, index=pd.Index([*classes, "all"], name="class"))


def recoverable_classes(table: pd.DataFrame, stream: str) -> list[str]:
    """The classes whose cue the LR input keeps for ``stream`` (the oracle's verdict)."""
    flags = table[f"{stream}: recoverable"].drop(index="all")
    return [c for c, ok in flags.items() if ok]
