"""What every notebook starts with: the experiment from its parameters, the report folder, the dataset, and
``show`` (save a figure under the report folder and display it). Notebooks stay thin: parameters, calls into
``arsr_lib``, tables and figures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import matplotlib.pyplot as plt
from IPython.display import Image, display
from matplotlib.figure import Figure

from arsr_lib import config
from arsr_lib.config import Experiment
from arsr_lib.core.devices import pin_cpu_numerics, pin_malloc
from arsr_lib.data.datasets import SplitDataset
from arsr_lib.data.prep import prepare_dataset
from arsr_lib.report.io import save_figure


def experiment(
    profile: str = "ci", config_file: str | None = None, overrides: Mapping | None = None
) -> Experiment:
    """The notebook's experiment: ``config_file`` (YAML/TOML) when given, else profile ``profile``; then
    ``overrides``, nested settings of the experiment (``{"compute": {"device": "cuda"}}``; ``None`` values
    leave the experiment's). A notebook's other parameters are presentation settings: they never change the
    experiment."""
    exp = config.from_file(config_file) if config_file else config.load(profile)
    return config.override(exp, config.drop_none(overrides or {}))


@dataclass
class Session:
    """One notebook's run: the experiment, where its reports go, and (when loaded) its dataset."""

    exp: Experiment
    out: Path
    ds: SplitDataset | None = None

    @property
    def is_synth(self) -> bool:
        return self.exp.data.dataset == "synth"

    @property
    def runs(self) -> Path:
        return self.exp.runs_dir()

    @property
    def dataset(self) -> SplitDataset:
        """The session's dataset; an error when the notebook started without it (``load_data=False``)."""
        if self.ds is None:
            raise ValueError(f"{self.exp.name}: this notebook started without its dataset (load_data=False)")
        return self.ds

    @property
    def train_videos(self) -> list[str]:
        return [str(self.dataset.path(i)) for i in self.dataset.train]

    @property
    def val_videos(self) -> list[str]:
        """The videos SR training validates on: the validation split (none without one: the test split is
        never used for a choice)."""
        return [str(self.dataset.path(i)) for i in self.dataset.val]

    def eval_items(self, n: int) -> list:
        """``n`` test videos spread evenly over the test split."""
        test = self.dataset.test
        return test[:: max(1, len(test) // n)][:n]

    def val_items(self, n: int) -> list:
        """``n`` validation videos spread evenly over the validation split (none without one)."""
        val = self.dataset.val
        return val[:: max(1, len(val) // n)][:n] if val else []

    def show(self, fig: Figure, name: str, dpi: int = 80) -> Path:
        """Save ``fig`` as ``<out>/<name>``, close it, and display the PNG."""
        path = save_figure(fig, self.out / name, dpi=dpi)
        plt.close(fig)
        display(Image(filename=str(path)))
        return path


def start(exp: Experiment, load_data: bool = True, progress: bool = False) -> Session:
    """Make the report folder and (``load_data``) prepare the dataset; returns the notebook's session."""
    pin_cpu_numerics(exp.compute.threads, exp.compute.cpu_isa, exp.compute.blas_threads)
    pin_malloc(exp.compute.malloc_mmap_mb, exp.compute.malloc_trim_mb)
    out = exp.reports_dir()
    out.mkdir(parents=True, exist_ok=True)
    return Session(exp, out, prepare_dataset(exp, progress=progress) if load_data else None)
