"""Recogniser schedule lengths chosen on the validation split.

``python tools/recogniser_schedule.py --profile smoke --candidates 0.15,0.25,0.5,1,0.5@2e-3``

Trains the profile's three recognisers (TSN RGB, TSN flow from it, ST-ResNet from both) with every step count
of ``recognition.iters`` scaled by each candidate's fraction (the step decay stays at 70 % of each run) and,
for ``FRACTION@LR``, the learning rate ``LR`` instead of the profile's, through the same
code as the harness (``rectrain.train_recognisers``, the engine, its sampler), each under its own run folder
``runs/<profile>-schedule-<candidate>`` (a finished run is reused). Then it scores the HR and bicubic
**validation** videos with the test protocol (the harness with ``evaluated="val"``) and writes, per fraction,
the training seconds (from the runs' logs) and the validation top-1 of TSN RGB, TSN flow, TSN two-stream
fusion and ST-ResNet on HR, and the spatial and temporal calibration gaps (HR - bicubic), to
``reports/benchmarks/recogniser_schedule_<profile>.{md,csv}``.

The rule, fixed before the sweep: the shortest candidate whose four HR validation top-1 figures and two gaps
are each within ``--tolerance`` points of the profile's own schedule (fraction 1, the reference, always run).
The test split is never read, so the choice is not selected on it. Needs the profile's HR and bicubic
rawframes (notebook 01).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from arsr_lib import config  # noqa: E402
from arsr_lib.core import protocol  # noqa: E402
from arsr_lib.recognition import tables  # noqa: E402
from arsr_lib.recognition.scores import run_harness  # noqa: E402
from arsr_lib.report.io import save_table  # noqa: E402
from arsr_lib.run.notebook import start  # noqa: E402

BASELINES = {"HR": None, "Bicubic": None}


def parse(candidate: str) -> tuple[float, float | None]:
    """``"0.5"`` -> (0.5, None: the profile's lr); ``"0.5@2e-3"`` -> (0.5, 0.002)."""
    fraction, _, lr = candidate.partition("@")
    try:
        out = float(fraction), (float(lr) if lr else None)
    except ValueError:
        raise SystemExit(f"--candidates: {candidate!r} is not FRACTION or FRACTION@LR") from None
    if not 0 < out[0] <= 1 or (out[1] is not None and out[1] <= 0):
        raise SystemExit(f"--candidates: {candidate!r}: the fraction must lie in (0, 1], the lr above 0")
    return out


def scaled(exp, fraction: float, lr: float | None):
    rec = exp.recognition
    iters = {k: max(1, round(v * fraction)) for k, v in rec.iters.items()}
    name = f"{exp.name}-schedule-{fraction:g}" + (f"@{lr:g}" if lr is not None else "")
    rec = dataclasses.replace(rec, iters=iters, lr=rec.lr if lr is None else lr)
    return dataclasses.replace(exp, name=name, recognition=rec)


def training_seconds(run: Path) -> float:
    """A finished run's training time: the last row of its log (a reused run keeps its log)."""
    rows = list(csv.DictReader(open(run / "log.csv", newline="")))
    return float(rows[-1]["time_s"])


def measure(exp, val) -> dict:
    h = run_harness(exp, val, methods=BASELINES, progress=False, evaluated="val")
    row = {"steps (rgb, flow, st)": ", ".join(str(exp.recognition.iters[k]) for k in h.recognisers)}
    row["training s"] = round(sum(training_seconds(Path(p).parent) for p in h.recognisers.values()), 1)
    calib = tables.calibration_table(
        tables.stream_table(h, "rgb", list(BASELINES)), tables.stream_table(h, "flow", list(BASELINES))
    ).set_index("stream")
    for m in ("HR", "Bicubic"):
        row[f"{m} TSN RGB"] = calib.loc["spatial (TSN RGB)", f"{m} top-1 (%)"]
        row[f"{m} TSN flow"] = calib.loc["temporal (TSN flow)", f"{m} top-1 (%)"]
    fusion = tables.fusion_table(h, {"HR + HR": ("HR", "HR")}).iloc[0]
    row["HR TSN fusion"] = fusion["TSN top-1 (%)"]
    row["HR ST-ResNet"] = fusion["ST-ResNet top-1 (%)"]
    row["spatial gap"] = calib.loc["spatial (TSN RGB)", "gap (pts)"]
    row["temporal gap"] = calib.loc["temporal (TSN flow)", "gap (pts)"]
    return row


CHECKED = ("HR TSN RGB", "HR TSN flow", "HR TSN fusion", "HR ST-ResNet", "spatial gap", "temporal gap")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="smoke")
    ap.add_argument("--candidates", default="0.15,0.25,0.5,1", help="FRACTION[@LR],...")
    ap.add_argument("--tolerance", type=float, default=5.0, help="points (smoke: 5 = one of 20 videos)")
    args = ap.parse_args(argv)
    candidates = {parse(c) for c in args.candidates.split(",")} | {(1.0, None)}  # the reference always
    candidates = sorted(candidates, key=lambda c: (c[0], c[1] or 0.0))
    base = config.load(args.profile)
    session = start(base, progress=False)
    ds = session.ds
    if not ds.val:
        raise SystemExit(f"{args.profile}: the dataset has no validation split; nothing to choose on")
    val = ds.validation()
    rows = []
    for f, lr in candidates:
        exp = scaled(base, f, lr)
        row = {"fraction": f, "lr": exp.recognition.lr, **measure(exp, val)}
        print(row, flush=True)
        rows.append(row)
    table = pd.DataFrame(rows)
    ref = table[(table.fraction == 1.0) & (table.lr == base.recognition.lr)].iloc[0]
    table["within tolerance"] = [
        all(r[c] >= ref[c] - args.tolerance for c in CHECKED) for _, r in table.iterrows()
    ]
    ok = table[table["within tolerance"]].sort_values(["fraction", "lr"])
    chosen = f"fraction {ok.iloc[0].fraction:g}, lr {ok.iloc[0].lr:g}"
    caption = protocol.describe(
        base.data.flow_method,
        profile=base.name,
        videos=f"{len(val.test)} validation videos of split {base.data.split} (test split not read)",
        recognisers=f"iters {dict(base.recognition.iters)} x fraction, lr {base.recognition.lr:g} unless "
        "given; step decay at 70 %",
        rule=f"shortest candidate with every checked column >= the profile schedule's - {args.tolerance:g} "
        "pts",
        chosen=chosen,
    )
    out = Path(__file__).resolve().parents[1] / "reports" / "benchmarks" / f"recogniser_schedule_{base.name}"
    table = table.round({c: 1 for c in table.columns if c not in ("fraction", "lr")})
    save_table(table, out, caption=caption)
    print(caption)
    print(table.to_string())


if __name__ == "__main__":
    main()
