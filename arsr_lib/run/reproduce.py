"""``make reproduce``: run every notebook in order through papermill.

The notebooks are jupytext ``py:percent`` scripts (``notebooks/NN_*.py``, what JupyterLab opens and saves);
each is read into a notebook and executed, and the executed copy goes to ``reports/<experiment>/NN_*.ipynb``;
their tables (CSV + Markdown) and figures (PNG) are written there by the notebooks themselves. A failing cell
stops the run with a non-zero exit naming the notebook and the cell.

Each notebook says which stage of the study it is in its metadata (``arsr: {stage: ...}`` in the jupytext
header): ``data``, an SR training stage of the study (``sosr``, ``tosr``), ``flow``, ``recognition``,
``viewer``. The runner knows stages, not notebook numbers: what ``--force`` clears (:func:`stage_caches`), and
the recogniser lane (:mod:`arsr_lib.run.lane`), which starts once the ``data`` stage is done and serves the
``recognition`` stage. Notebooks take ``profile``, ``config_file`` and ``overrides`` (nested settings of the
experiment: ``--device`` is ``{"compute": {"device": ...}}``) and presentation settings of their own;
stages complete for their key are skipped (:mod:`arsr_lib.run.stages`).
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import jupytext
import nbformat

from arsr_lib import config
from arsr_lib.config import project_root
from arsr_lib.run.lane import NotebookFailed, RecogniserLane
from arsr_lib.run.stages import (
    code_digest,
    record_path,
    sha256_file,
    snapshot,
    stage_is_complete,
    stage_key,
    write_record,
    write_timings,
)
from arsr_lib.sr.recipes import stage_recipes

__all__ = ["NotebookFailed", "build_notebooks", "main", "notebooks", "reproduce", "stage_caches", "stage_of"]

# the training runs of the recognition stage (the lane trains them)
RECOGNISER_RUNS = ("tsn_rgb", "tsn_flow", "stresnet")
# the recogniser lane starts once the data stage is done, for the stage that reads the recognisers
LANE_AFTER, LANE_FOR = "data", "recognition"


def notebooks(folder: Path | None = None) -> list[Path]:
    """The notebooks' sources ``NN_*.py`` (jupytext py:percent), in order."""
    folder = folder or project_root() / "notebooks"
    found = sorted(p for p in folder.glob("[0-9][0-9]_*.py"))
    if not found:
        raise FileNotFoundError(f"no notebooks NN_*.py in {folder}")
    return found


def read_notebook(source: Path) -> nbformat.NotebookNode:
    """A notebook source (py:percent) as a plain ``.ipynb`` notebook, the form papermill and nbval run. The
    jupytext pairing metadata is dropped: an ``.ipynb`` that claims to be paired only with a ``.py`` is
    refused by JupyterLab's jupytext contents manager, and the executed copies in reports/ must open there."""
    notebook = jupytext.read(source, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    return notebook


def stage_of(source: Path) -> str | None:
    """The stage a notebook source declares in its metadata (``arsr: {stage: ...}``), or None."""
    return jupytext.read(source, fmt="py:percent").metadata.get("arsr", {}).get("stage")


def build_notebooks(out_dir: Path, folder: Path | None = None) -> list[Path]:
    """Write ``<out_dir>/NN_*.ipynb`` from the sources (for ``pytest --nbval-lax``); returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    built = []
    for source in notebooks(folder):
        target = out_dir / f"{source.stem}.ipynb"
        jupytext.write(read_notebook(source), target, fmt="ipynb")
        built.append(target)
    return built


def stage_caches(exp: config.Experiment, stage: str | None) -> list[Path]:
    """The caches stage ``stage`` fills, which ``--force`` clears before re-running it (never the dataset
    itself): ``data`` the rawframes; an SR training stage of the study its training runs and SR videos (the
    first one also the flow cache, which it fills first); ``recognition`` the recognisers, the SR methods'
    test frames and the scores."""
    if stage == "data":
        return [exp.frames_root(v) for v in ("hr", "lr", "bicubic")]
    if stage is not None and stage in exp.study.stages:
        recipes = stage_recipes(exp, stage)
        paths = [exp.runs_dir() / r for r in recipes]
        paths += [exp.sr_root() / m for m, r in exp.methods.items() if r in recipes]
        if stage == next(iter(exp.study.stages)):
            paths.append(exp.paths.data / "flowcache" / exp.data.name)
        return paths
    if stage == "recognition":
        return [exp.runs_dir() / r for r in RECOGNISER_RUNS] + [
            exp.runs_dir() / "scores",
            exp.runs_dir() / "scores-val",
            exp.frames_root("sr"),
        ]
    return []


def run_notebook(nb: Path, out: Path, parameters: dict) -> float:
    """Execute notebook source ``nb`` with ``parameters`` into ``out``; returns the seconds it took."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    try:
        pm.execute_notebook(
            read_notebook(nb),
            str(out),
            parameters=parameters,
            cwd=str(nb.parent),
            kernel_name="python3",
            language="python",
            progress_bar=False,
            log_output=False,
        )
    except PapermillExecutionError as exc:
        raise NotebookFailed(
            f"notebook {nb.name} failed in cell {exc.cell_index} of the executed copy (execution "
            f"count {exc.exec_count}): {exc.ename}: {exc.evalue}; executed copy: {out}"
        ) from None
    return time.time() - t0


def _experiment_and_parameters(profile: str, config_file: str | None) -> tuple[config.Experiment, dict]:
    if config_file:
        path = Path(config_file).resolve()
        return config.from_file(path), {
            "profile": profile,
            "config_file": str(path),
            "config_sha": sha256_file(path),
        }
    return config.load(profile), {"profile": profile}


def _declares(nb: Path, name: str) -> bool:
    """Whether notebook source ``nb`` has parameter ``name`` (a line ``name = ...``)."""
    return any(line.startswith(f"{name} = ") for line in nb.read_text().splitlines())


def _clear(name: str, caches: list[Path]) -> None:
    for cache in caches:
        if cache.exists():
            print(f"[reproduce:{name}] --force: clearing {cache}", flush=True)
            shutil.rmtree(cache)


class _Run:
    """One reproduction: the experiment, the notebooks' parameters and keys, the lane."""

    def __init__(self, profile, folder, out_dir, force, config_file, device, parameters):
        self.exp, key_params = _experiment_and_parameters(profile, config_file)
        self.overrides = {"compute": {"device": device}} if device else {}
        self.exp = config.override(self.exp, self.overrides)
        self.profile, self.config_file, self.device, self.force = profile, config_file, device, force
        # the notebooks' parameters: the experiment's (profile, config file, overrides), then presentation
        self.params = {k: v for k, v in key_params.items() if k != "config_sha"}
        self.params.update({"overrides": self.overrides} if self.overrides else {})
        self.extra = dict(parameters or {})
        self.out_dir = Path(self.exp.reports_dir() if out_dir is None else out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.sources = notebooks(folder)
        self.stages = {nb: stage_of(nb) for nb in self.sources}
        code, previous, self.keys = code_digest(), "", {}
        for nb in self.sources:
            key_parts = {**key_params, **self.params, **self.extra}
            self.keys[nb] = previous = stage_key(nb, key_parts, previous, code)

    def lane_wanted(self, selected: list[Path]) -> bool:
        """When the recognition stage will run and the experiment trains its recognisers in a lane."""
        return self.exp.compute.recogniser_lane and any(
            self.stages[nb] == LANE_FOR
            and (self.force or not stage_is_complete(self.out_dir, nb, self.keys[nb]))
            for nb in selected
        )

    def run_stage(self, nb: Path, keep: tuple = ()) -> float:
        """Run stage ``nb`` unless its outputs are complete for its key (0.0 then); ``--force`` clears its
        caches first, except those in ``keep`` (the recogniser runs a lane started with)."""
        name, executed, key = self.exp.name, f"{nb.stem}.ipynb", self.keys[nb]
        if not self.force and stage_is_complete(self.out_dir, nb, key):
            print(
                f"[reproduce:{name}] {executed} skipped: outputs complete for this code and parameters",
                flush=True,
            )
            return 0.0
        print(f"[reproduce:{name}] {executed} ...", flush=True)
        record_path(self.out_dir, nb).unlink(missing_ok=True)
        if self.force:
            _clear(name, [c for c in stage_caches(self.exp, self.stages[nb]) if c not in keep])
        before = snapshot(self.out_dir)
        nb_params = {**self.params, **{k: v for k, v in self.extra.items() if _declares(nb, k)}}
        seconds = run_notebook(nb, self.out_dir / executed, nb_params)
        after = snapshot(self.out_dir)
        written = sorted(r for r, m in after.items() if before.get(r) != m)
        if executed not in written:
            written.append(executed)
        write_record(self.out_dir, nb, key, seconds, written)
        print(f"[reproduce:{name}] {executed} done in {seconds:.1f} s", flush=True)
        return seconds


def reproduce(
    profile: str = "smoke",
    only: list[str] | None = None,
    folder: Path | None = None,
    out_dir: Path | None = None,
    force: bool = False,
    config_file: str | None = None,
    device: str | None = None,
    parameters: dict | None = None,
) -> dict[str, float]:
    """Run the notebooks in order; returns seconds per notebook (0.0 for a skipped stage). ``force`` re-runs
    every stage selected after clearing its record and its caches (:func:`stage_caches`); ``device`` overrides
    the experiment's ``compute.device``; ``parameters`` (presentation settings, e.g. ``n_eval``) go to the
    notebooks that declare them."""
    run = _Run(profile, folder, out_dir, force, config_file, device, parameters)
    exp, name = run.exp, run.exp.name
    started_empty = not exp.runs_dir().exists() and not exp.dataset_root().exists()
    selected = [nb for nb in run.sources if not only or any(nb.name.startswith(o) for o in only)]
    lane_wanted = run.lane_wanted(selected)
    lane_runs = [exp.runs_dir() / r for r in RECOGNISER_RUNS]
    lane, times, t_all = None, {}, time.time()
    try:
        for nb in selected:
            times[f"{nb.stem}.ipynb"] = run.run_stage(nb, keep=tuple(lane_runs) if lane else ())
            if lane_wanted and lane is None and run.stages[nb] == LANE_AFTER:
                if force:
                    _clear(name, lane_runs)  # not while the lane trains them (see run_stage's keep)
                lane = RecogniserLane(
                    profile, config_file, device, run.out_dir / ".stages" / "recognisers.log"
                )
                print(
                    f"[reproduce:{name}] recognisers training beside the next stages ({lane.log})", flush=True
                )
        if lane is not None:
            lane.finish()
    finally:
        if lane is not None:
            lane.stop()
    write_timings(run.out_dir, run.sources, started_empty)
    ran = sum(1 for t in times.values() if t > 0)
    print(
        f"[reproduce:{name}] {len(times)} notebook(s), {ran} run, {len(times) - ran} skipped, "
        f"{time.time() - t_all:.1f} s in all; outputs in {run.out_dir}"
    )
    return times


def main(
    profile: str = "smoke",
    only: list[str] | None = None,
    force: bool = False,
    config_file: str | None = None,
    device: str | None = None,
) -> int:
    try:
        reproduce(profile, only, force=force, config_file=config_file, device=device)
    except NotebookFailed as exc:
        print(f"reproduce: {exc}", file=sys.stderr)
        return 1
    return 0
