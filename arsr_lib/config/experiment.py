"""The typed description of a run: one frozen :class:`Experiment` holding every parameter, made of the parts
in :mod:`arsr_lib.config.schema` and the :class:`~arsr_lib.config.study.Study`.

Library functions take the experiment (or the part they need) as an argument; nothing in the package looks a
setting up by profile name. Profiles (``smoke``, ``ci``, ``synth``, ``paper``) are modules that each build one
experiment; :func:`arsr_lib.config.load` builds one by name with overrides, or from a YAML/TOML file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from arsr_lib.config import seeds
from arsr_lib.config.compute import ComputeConfig
from arsr_lib.config.frozen import frozen_map
from arsr_lib.config.ranges import Range, check_ranges
from arsr_lib.config.schema import (
    DEFAULT_METHODS,
    PRETRAINED_SR,
    DataConfig,
    EngineSchedule,
    PairMining,
    Paths,
    RecognitionConfig,
    SRArchitectures,
    SRLossConfig,
    SRRecipe,
)
from arsr_lib.config.study import Study


@dataclass(frozen=True)
class Experiment:
    """Everything that determines a run. Build one with :func:`arsr_lib.config.load`."""

    name: str
    seed: int
    data: DataConfig
    sr_arch: SRArchitectures
    sr_loss: SRLossConfig
    pairs: PairMining
    sr_schedule: EngineSchedule
    recipes: Mapping  # recipe name -> SRRecipe
    recognition: RecognitionConfig
    paths: Paths
    compute: ComputeConfig = ComputeConfig()
    # method name -> recipe name, pretrained model name or None (Bicubic); see DEFAULT_METHODS
    methods: Mapping = field(default_factory=lambda: frozen_map(DEFAULT_METHODS))
    # what is trained, compared and tabled with the methods (arsr_lib.config.study)
    study: Study = field(default_factory=lambda: Study().restricted_to(DEFAULT_METHODS))

    def __post_init__(self):
        recipes, methods = seeds.expand(
            self.recipes, self.methods, self.study.compared_methods(), self.study.seeds
        )
        object.__setattr__(self, "recipes", frozen_map(recipes))
        object.__setattr__(self, "methods", frozen_map(methods))
        check_ranges(self, "experiment", {"seed": Range(0, 2**32 - 1)})
        self.study.check_methods(self.methods, self.name)
        for method, source in self.methods.items():
            if source is not None and source not in self.recipes and source not in PRETRAINED_SR:
                raise ValueError(
                    f"method {method!r} comes from {source!r}, which is neither a recipe of {self.name} "
                    f"nor a pretrained model {PRETRAINED_SR}"
                )
        for name, recipe in self.recipes.items():
            if (
                recipe.init is not None
                and recipe.init not in self.recipes
                and recipe.init not in PRETRAINED_SR
            ):
                raise ValueError(
                    f"recipe {name!r} starts from {recipe.init!r}, which is neither a recipe of {self.name} "
                    f"nor a pretrained model {PRETRAINED_SR}"
                )

    def method_source(self, method: str) -> str | None:
        """The recipe or pretrained model behind an SR method (None: Bicubic)."""
        if method not in self.methods:
            raise ValueError(f"unknown SR method {method!r}; experiment {self.name} has {list(self.methods)}")
        return self.methods[method]

    def off_the_shelf(self, method: str) -> bool:
        """Whether ``method`` is untouched pretrained weights (the only use of "off the shelf")."""
        return self.method_source(method) in PRETRAINED_SR

    def recipes_for(self, methods: Iterable[str]) -> list[str]:
        """The recipes that make those of ``methods`` the experiment has, each after the recipe it starts
        from (what a notebook trains, in order)."""
        order: list[str] = []
        for method in methods:
            source = self.methods.get(method)
            if isinstance(source, str):
                order += [r for r in seeds.recipe_chain(self.recipes, source) if r not in order]
        return order

    def recipe(self, name: str) -> SRRecipe:
        if name not in self.recipes:
            raise ValueError(f"unknown recipe {name!r}; experiment {self.name} has {sorted(self.recipes)}")
        return self.recipes[name]

    # ------------------------------------------------------------------ locations
    @property
    def workers(self) -> int:
        """DataLoader / process-pool workers of training and scoring."""
        return self.data.workers if self.compute.workers is None else self.compute.workers

    @property
    def score_workers(self) -> int:
        """DataLoader workers reading the test inputs while a recogniser scores them."""
        return self.workers if self.compute.score_workers is None else self.compute.score_workers

    @property
    def loader_cache_bytes(self) -> int:
        """The decoded-frame cache of one training loader process: ``compute.cache_mb`` is for all of them."""
        return (self.compute.cache_mb << 20) // max(1, self.workers)

    def dataset_root(self) -> Path:
        return Path(self.data.root).expanduser() if self.data.root else self.paths.data / self.data.name

    def frames_root(self, variant: str) -> Path:
        """Rawframes of a variant (hr, lr, bicubic; hr: ``data.hr_rawframes`` when given); SR methods' under
        ``sr-<experiment>``, the background swap test's under ``swap-<experiment>``."""
        if variant == "hr" and self.data.hr_rawframes:
            return Path(self.data.hr_rawframes).expanduser()
        base = self.paths.data / "rawframes" / self.data.name
        return base / f"{variant}-{self.name}" if variant in ("sr", "swap") else base / variant

    def reports_dir(self) -> Path:
        return Path(self.paths.reports_root) / self.name

    def runs_dir(self) -> Path:
        """Training runs (checkpoints, CSV logs) of this experiment."""
        return Path(self.paths.project) / "runs" / self.name

    def sr_root(self) -> Path:
        """SR test videos of every method (lossless AVI)."""
        return self.paths.data / "sr" / f"{self.name}-{self.data.dataset}"
