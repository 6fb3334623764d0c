"""The SR training table of a finished run, every SR recipe in one table.

``python tools/sr_training_table.py --profile synth [--project DIR]``

Reads ``runs/<profile>/<recipe>/log.csv`` under ``--project`` (default: this checkout) for every SR recipe of
the profile (the dataset must be there: it names the validation videos) and writes
:func:`arsr_lib.sr.sreval.training_report` of them (the table notebooks 02 and 03 save, with both measures of
what the last quarter of steps still gained on validation) to ``reports/benchmarks/sr_training_<profile>``
(``.md``, ``.csv``). It reads logs only: nothing is trained or evaluated.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from arsr_lib import config  # noqa: E402
from arsr_lib.report.io import save_table  # noqa: E402
from arsr_lib.run.notebook import start  # noqa: E402
from arsr_lib.sr.recipes import VALIDATION_VIDEOS  # noqa: E402
from arsr_lib.sr.sreval import training_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="synth")
    ap.add_argument("--project", type=Path, default=ROOT, help="the checkout whose runs/ holds the run")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    exp = config.load(args.profile)
    exp = dataclasses.replace(exp, paths=dataclasses.replace(exp.paths, project=str(args.project)))
    runs = {name: exp.runs_dir() / name for name in exp.recipes}
    missing = [str(p / "log.csv") for p in runs.values() if not (p / "log.csv").is_file()]
    if missing:
        raise SystemExit(f"sr_training_table: no training log at {', '.join(missing)}; run the profile first")
    session = start(exp)  # the dataset as the notebooks load it: the validation videos the curves used
    val_videos = len(session.val_videos[:VALIDATION_VIDEOS])
    table, caption = training_report(runs, exp.data.flow_method, exp.name, val_videos)
    out = args.out or ROOT / "reports" / "benchmarks" / f"sr_training_{args.profile}"
    save_table(table.round(4), out, caption=caption)
    print(caption)
    print(table.round(4).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
