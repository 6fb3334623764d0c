"""Profiles: every parameter of a run in one place, with where its value comes from.

``smoke``: SynthActions (smoke size), DIS flow, CPU, minutes. ``paper``: UCF101 split 1 on a GPU
box (TV-L1, the paper's / authors' values); it needs the data paths (``ARSR_UCF101_ROOT``,
``ARSR_UCF101_SPLITS`` or the notebook parameters).
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, replace
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

    def resolved_root(self) -> Path:
        if self.data_root:
            return Path(os.path.expanduser(self.data_root))
        return project_root() / "data" / (f"synth-{self.synth_size}" if self.dataset == "synth" else self.dataset)

    def frames_root(self, variant: str) -> Path:
        return project_root() / "data" / "rawframes" / f"{self.name}-{self.dataset}" / variant

    def reports_dir(self) -> Path:
        return project_root() / "reports" / self.name


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
    "paper": Profile("paper", "ucf101", None, os.environ.get("ARSR_UCF101_ROOT"), os.environ.get("ARSR_UCF101_SPLITS"),
                     1, protocol.SCALE, "tvl1", protocol.FLOW_BOUND, 16, 0),
}


def get_profile(name: str, **overrides) -> Profile:
    """A profile with notebook/CLI overrides applied (``None`` values are ignored)."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES)}")
    return replace(PROFILES[name], **{k: v for k, v in overrides.items() if v is not None})


def as_dict(p: Profile) -> dict:
    return asdict(p)
