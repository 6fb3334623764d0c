"""``make reproduce``: run every notebook in order through papermill, in one Python process.

Executed notebooks go to ``reports/<profile>/<notebook>``; their tables (CSV + Markdown) and
figures (PNG) are written there by the notebooks themselves. A failing cell stops the run
with a non-zero exit naming the notebook and the cell. Long stages inside the notebooks
(dataset generation, rawframes, training) are cached and resumable, so a re-run is cheap.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from arsr_lib.profiles import get_profile, project_root


class NotebookFailed(RuntimeError):
    pass


def notebooks(folder: Path | None = None) -> list[Path]:
    folder = folder or project_root() / "notebooks"
    found = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        raise FileNotFoundError(f"no notebooks NN_*.ipynb in {folder}")
    return found


def run_notebook(nb: Path, out: Path, parameters: dict) -> float:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    try:
        pm.execute_notebook(str(nb), str(out), parameters=parameters, cwd=str(nb.parent), kernel_name="python3",
                            progress_bar=False, log_output=False)
    except PapermillExecutionError as exc:
        raise NotebookFailed(f"notebook {nb.name} failed in cell {exc.cell_index} of the executed copy (execution count "
                             f"{exc.exec_count}): {exc.ename}: {exc.evalue}; executed copy: {out}") from None
    return time.time() - t0


def reproduce(profile: str = "smoke", only: list[str] | None = None, folder: Path | None = None,
              out_dir: Path | None = None) -> dict[str, float]:
    prof = get_profile(profile)
    out_dir = out_dir or prof.reports_dir()
    times = {}
    for nb in notebooks(folder):
        if only and not any(nb.name.startswith(o) for o in only):
            continue
        print(f"[reproduce:{profile}] {nb.name} ...", flush=True)
        times[nb.name] = run_notebook(nb, out_dir / nb.name, {"profile": profile})
        print(f"[reproduce:{profile}] {nb.name} done in {times[nb.name]:.1f} s", flush=True)
    total = sum(times.values())
    print(f"[reproduce:{profile}] all {len(times)} notebook(s) done in {total:.1f} s; outputs in {out_dir}")
    return times


def main(profile: str = "smoke", only: list[str] | None = None) -> int:
    try:
        reproduce(profile, only)
    except NotebookFailed as exc:
        print(f"reproduce: {exc}", file=sys.stderr)
        return 1
    return 0
