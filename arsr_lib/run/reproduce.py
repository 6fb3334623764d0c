"""``make reproduce``: run every notebook in order through papermill, in one Python process.

The notebooks are jupytext ``py:percent`` scripts (``notebooks/NN_*.py``, what JupyterLab opens and saves);
each is read into a notebook and executed, and the executed copy goes to ``reports/<experiment>/NN_*.ipynb``;
their tables (CSV + Markdown) and figures (PNG) are written there by the notebooks themselves. A failing cell
stops the run with a non-zero exit naming the notebook and the cell.

The recognisers train on HR frames alone, so with ``compute.recogniser_lane`` the runner starts ``arsr
recognisers`` in a second process as soon as stage 01 has made the data, beside the SR stages 02-04 (on
a 2-core CPU two one-thread processes do more than one two-thread process:
``reports/benchmarks/channels_last.md``); stage 05 waits for each run's lock and reuses it
(:class:`arsr_lib.train.engine.Engine`). The lane's output goes to
``reports/<profile>/.stages/recognisers.log``; a lane that fails is an error of the run.

Stages are skipped when their cached outputs are complete. After a notebook succeeds the
runner writes ``reports/<profile>/.stages/<notebook>.json`` (atomically, last) with the stage's
key and the SHA-256 of every file the stage wrote. The key chains the notebook's source, its
parameters, the source of ``arsr_lib`` and the previous stage's key, so a change anywhere
upstream re-runs everything after it. A stage is skipped only when its key matches and every
recorded output is still there with the same digest; a killed or failed stage has no record
and runs again (the long work inside it resumes from its own caches).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jupytext

from arsr_lib import config
from arsr_lib.config import project_root
from arsr_lib.core.atomic import write_json_atomic, write_text_atomic
from arsr_lib.sr.recipes import STAGE_METHODS, stage_recipes

STAGES = ".stages"
# the training runs each stage makes (the SR videos of their methods go with them)
RECOGNISER_RUNS = ("tsn_rgb", "tsn_flow", "stresnet")
# the recogniser lane starts once the data stage is done, for the stage that reads the recognisers
LANE_AFTER, LANE_FOR = "01", "05"
# notebook parameters that change the experiment the notebooks build: with any of them given, stage 05's
# recognisers may differ from the lane's, so no lane is started
LANE_BLOCKERS = ("flow_method", "workers")


def stage_caches(exp: config.Experiment, stage: str) -> list[Path]:
    """The caches stage ``stage`` ("01".."06") fills, which ``--force`` clears before re-running it (never the
    dataset itself): 01 the rawframes, 02/03 their training runs, SR videos and (02) the flow cache, 05 the
    recognisers, the SR methods' test frames and the scores."""
    if stage == "01":
        return [exp.frames_root(v) for v in ("hr", "lr", "bicubic")]
    if stage in STAGE_METHODS:
        recipes = stage_recipes(exp, stage)
        paths = [exp.runs_dir() / r for r in recipes]
        paths += [exp.sr_root() / m for m, r in exp.methods.items() if r in recipes]
        if stage == "02":
            paths.append(exp.paths.data / "flowcache" / exp.data.name)
        return paths
    if stage == "05":
        return [exp.runs_dir() / r for r in RECOGNISER_RUNS] + [
            exp.runs_dir() / "scores",
            exp.runs_dir() / "scores-val",
            exp.frames_root("sr"),
        ]
    return []


class NotebookFailed(RuntimeError):
    pass


def notebooks(folder: Path | None = None) -> list[Path]:
    """The notebooks' sources ``NN_*.py`` (jupytext py:percent), in order."""
    folder = folder or project_root() / "notebooks"
    found = sorted(p for p in folder.glob("[0-9][0-9]_*.py"))
    if not found:
        raise FileNotFoundError(f"no notebooks NN_*.py in {folder}")
    return found


def read_notebook(source: Path):
    """A notebook source (py:percent) as a plain ``.ipynb`` notebook, the form papermill and nbval run. The
    jupytext pairing metadata is dropped: an ``.ipynb`` that claims to be paired only with a ``.py`` is
    refused by JupyterLab's jupytext contents manager, and the executed copies in reports/ must open there."""
    notebook = jupytext.read(source, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    return notebook


def build_notebooks(out_dir: Path, folder: Path | None = None) -> list[Path]:
    """Write ``<out_dir>/NN_*.ipynb`` from the sources (for ``pytest --nbval-lax``); returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    built = []
    for source in notebooks(folder):
        target = out_dir / f"{source.stem}.ipynb"
        jupytext.write(read_notebook(source), target, fmt="ipynb")
        built.append(target)
    return built


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def code_digest() -> str:
    """SHA-256 over the package's Python sources (a code change re-runs every stage)."""
    pkg = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for f in sorted(pkg.rglob("*.py")):
        h.update(str(f.relative_to(pkg)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def stage_key(nb: Path, parameters: dict, previous: str, code: str) -> str:
    h = hashlib.sha256()
    for part in (_sha(nb), json.dumps(parameters, sort_keys=True), previous, code):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def _record_path(out_dir: Path, nb: Path) -> Path:
    return out_dir / STAGES / f"{nb.stem}.json"


def stage_is_complete(out_dir: Path, nb: Path, key: str) -> bool:
    try:
        rec = json.loads(_record_path(out_dir, nb).read_text())
    except (OSError, ValueError):
        return False
    if rec.get("key") != key:
        return False
    for rel, digest in rec.get("outputs", {}).items():
        f = out_dir / rel
        if not f.is_file() or _sha(f) != digest:
            return False
    return True


def _snapshot(out_dir: Path) -> dict[str, int]:
    return {
        str(p.relative_to(out_dir)): p.stat().st_mtime_ns
        for p in out_dir.rglob("*")
        if p.is_file() and STAGES not in p.relative_to(out_dir).parts and ".partial-" not in p.name
    }


def run_notebook(nb: Path, out: Path, parameters: dict) -> float:
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


def write_timings(out_dir: Path, sources: list[Path], started_empty: bool) -> Path | None:
    """``timings.md``: the seconds each stage took in the run that made its recorded outputs (a committed
    report of the reproduction's cost); written when every stage has a record."""
    records = []
    for nb in sources:
        try:
            records.append(json.loads(_record_path(out_dir, nb).read_text()))
        except (OSError, ValueError):
            return None
    rows = [f"| {r['notebook']} | {r['seconds']:.1f} |" for r in records]
    total = sum(r["seconds"] for r in records)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = "\n".join(
        [
            f"Stage times of the run that made these reports ({machine}; the last run of each stage; "
            f"this run started {'from empty data/ and runs/' if started_empty else 'with caches present'}).",
            "",
            "| notebook | seconds |",
            "|---|---:|",
            *rows,
            f"| total | {total:.1f} |",
            "",
        ]
    )
    path = out_dir / "timings.md"
    write_text_atomic(path, text)
    return path


class RecogniserLane:
    """``arsr recognisers`` of the run's experiment in a second process (see the module's docstring)."""

    def __init__(self, profile: str, config_file: str | None, device: str | None, log: Path):
        cmd = [sys.executable, "-m", "arsr_lib", "recognisers", "--quiet"]
        cmd += ["--config", str(Path(config_file).resolve())] if config_file else ["--profile", profile]
        cmd += ["--device", device] if device else []
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        with open(log, "w") as fh:
            self.proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=str(project_root()))

    def finish(self) -> None:
        """Wait for the lane; an error naming its log when it failed."""
        if self.proc.wait() != 0:
            raise NotebookFailed(
                f"the recogniser lane (arsr recognisers) exited with {self.proc.returncode}; see {self.log}"
            )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


def _experiment_and_parameters(profile: str, config_file: str | None) -> tuple[config.Experiment, dict]:
    if config_file:
        path = Path(config_file).resolve()
        return config.from_file(path), {
            "profile": profile,
            "config_file": str(path),
            "config_sha": _sha(path),
        }
    return config.load(profile), {"profile": profile}


def _declares(nb: Path, name: str) -> bool:
    """Whether notebook source ``nb`` has parameter ``name`` (a line ``name = ...``)."""
    return any(line.startswith(f"{name} = ") for line in nb.read_text().splitlines())


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
    every stage selected after clearing its record and its caches (:func:`stage_caches`); ``device`` and the
    notebook ``parameters`` (e.g. ``n_eval``) are passed to the notebooks that declare them."""
    exp, key_params = _experiment_and_parameters(profile, config_file)
    key_params = {**key_params, **(parameters or {})}
    if device:
        exp = config.override(exp, {"compute": {"device": device}})
    params = {k: v for k, v in key_params.items() if k != "config_sha"}
    name = exp.name
    out_dir = Path(out_dir or exp.reports_dir())
    out_dir.mkdir(parents=True, exist_ok=True)
    code = code_digest()
    started_empty = not exp.runs_dir().exists() and not exp.dataset_root().exists()
    sources, keys, previous = notebooks(folder), {}, ""
    for nb in sources:
        keys[nb] = previous = stage_key(nb, key_params, previous, code)
    selected = [nb for nb in sources if not only or any(nb.name.startswith(o) for o in only)]
    # the recogniser lane: when the recognisers' stage will run and its notebook builds the lane's experiment
    lane_wanted = (
        exp.compute.recogniser_lane
        and any(
            nb.name.startswith(LANE_FOR) and (force or not stage_is_complete(out_dir, nb, keys[nb]))
            for nb in selected
        )
        and not any((parameters or {}).get(k) is not None for k in LANE_BLOCKERS)
    )
    lane_runs = [exp.runs_dir() / r for r in RECOGNISER_RUNS]
    lane, times, t_all = None, {}, time.time()
    try:
        for nb in selected:
            times[f"{nb.stem}.ipynb"] = _run_stage(
                exp, nb, keys[nb], out_dir, force, params, parameters, device, keep=lane_runs if lane else ()
            )
            if lane_wanted and lane is None and nb.name.startswith(LANE_AFTER):
                if force:
                    _clear(name, lane_runs)  # not while the lane trains them (see _run_stage's keep)
                lane = RecogniserLane(profile, config_file, device, out_dir / STAGES / "recognisers.log")
                print(
                    f"[reproduce:{name}] recognisers training beside the next stages ({lane.log})", flush=True
                )
        if lane is not None:
            lane.finish()
    finally:
        if lane is not None:
            lane.stop()
    write_timings(out_dir, sources, started_empty)
    ran = sum(1 for t in times.values() if t > 0)
    print(
        f"[reproduce:{name}] {len(times)} notebook(s), {ran} run, {len(times) - ran} skipped, "
        f"{time.time() - t_all:.1f} s in all; outputs in {out_dir}"
    )
    return times


def _clear(name: str, caches: list[Path]) -> None:
    for cache in caches:
        if cache.exists():
            print(f"[reproduce:{name}] --force: clearing {cache}", flush=True)
            shutil.rmtree(cache)


def _run_stage(exp, nb, key, out_dir, force, params, parameters, device, keep=()) -> float:
    """Run stage ``nb`` unless its outputs are complete for ``key`` (0.0 then); ``--force`` clears its caches
    first, except those in ``keep`` (the recogniser runs a lane started with)."""
    name, executed = exp.name, f"{nb.stem}.ipynb"
    if not force and stage_is_complete(out_dir, nb, key):
        print(
            f"[reproduce:{name}] {executed} skipped: outputs complete for this code and parameters",
            flush=True,
        )
        return 0.0
    print(f"[reproduce:{name}] {executed} ...", flush=True)
    _record_path(out_dir, nb).unlink(missing_ok=True)
    if force:
        _clear(name, [c for c in stage_caches(exp, nb.name[:2]) if c not in keep])
    before = _snapshot(out_dir)
    extra = {**(parameters or {}), **({"device": device} if device else {})}
    nb_params = {
        **{k: v for k, v in params.items() if k not in (parameters or {})},
        **{k: v for k, v in extra.items() if _declares(nb, k)},
    }
    seconds = run_notebook(nb, out_dir / executed, nb_params)
    after = _snapshot(out_dir)
    written = sorted(r for r, m in after.items() if before.get(r) != m)
    if executed not in written:
        written.append(executed)
    write_json_atomic(
        _record_path(out_dir, nb),
        {
            "notebook": executed,
            "key": key,
            "seconds": round(seconds, 1),
            "outputs": {r: _sha(out_dir / r) for r in written},
        },
    )
    print(f"[reproduce:{name}] {executed} done in {seconds:.1f} s", flush=True)
    return seconds


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
