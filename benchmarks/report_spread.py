"""How far two runs' tables lie apart, and whether the paired tests' verdicts agree.

    .venv/bin/python benchmarks/report_spread.py REPORTS_A REPORTS_B --label "AVX2 vs SSE4.1" \
        [--out reports/benchmarks/report_spread_smoke.md]

``REPORTS_A`` / ``REPORTS_B``: two ``reports/<profile>`` folders of the same profile and seed, made with
different settings (another CPU kernel path, thread count or machine). Per table (``*.csv``): whether it is
byte-identical and the largest absolute difference of each numeric column. Then, per claim of
``05_paired_tests.csv``: each run's difference and McNemar p, and whether the verdict (p < 0.05 with the same
sign, or not significant) is the same. Text columns (confidence intervals as text) are compared as equal
or not.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

ALPHA = 0.05
KEYS = {"05_paired_tests.csv": ["comparison", "recogniser"]}


def verdict(diff: float, p: float) -> str:
    if p >= ALPHA:
        return "n.s."
    return "a better" if diff > 0 else "b better"


def table_spread(a: Path, b: Path) -> dict:
    if a.read_bytes() == b.read_bytes():
        return {"table": a.name, "identical": True, "largest difference": "", "in column": ""}
    da, db = pd.read_csv(a), pd.read_csv(b)
    if da.shape != db.shape or list(da.columns) != list(db.columns):
        return {"table": a.name, "identical": False, "largest difference": "shape", "in column": ""}
    worst, where = 0.0, ""
    for col in da.columns:
        x, y = da[col], db[col]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            d = np.nanmax(np.abs(x.to_numpy(float) - y.to_numpy(float))) if len(x) else 0.0
            if d > worst:
                worst, where = float(d), col
    return {"table": a.name, "identical": False, "largest difference": round(worst, 3), "in column": where}


def verdicts(a: Path, b: Path) -> pd.DataFrame:
    da, db = pd.read_csv(a), pd.read_csv(b)
    keys = KEYS["05_paired_tests.csv"]
    m = da.merge(db, on=keys, suffixes=(" A", " B"))
    rows = []
    for _, r in m.iterrows():
        va = verdict(r["top-1 diff (pts) A"], r["p_mcnemar A"])
        vb = verdict(r["top-1 diff (pts) B"], r["p_mcnemar B"])
        rows.append(
            {
                "comparison": r["comparison"],
                "recogniser": r["recogniser"],
                "diff A (pts)": r["top-1 diff (pts) A"],
                "p A": r["p_mcnemar A"],
                "diff B (pts)": r["top-1 diff (pts) B"],
                "p B": r["p_mcnemar B"],
                "verdict A": va,
                "verdict B": vb,
                "same verdict": va == vb,
            }
        )
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--label", required=True, help="what differs between the runs (A vs B)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    tables = sorted(p.name for p in args.a.glob("*.csv"))
    missing = [t for t in tables if not (args.b / t).is_file()]
    if missing:
        raise SystemExit(f"{args.b}: lacks {missing} that {args.a} has")
    spread = pd.DataFrame([table_spread(args.a / t, args.b / t) for t in tables])
    text = [
        f"# Spread between two runs: {args.label}",
        "",
        f"A: `{args.a}`, B: `{args.b}`. {int(spread.identical.sum())} of {len(spread)} tables are "
        "byte-identical; for the others, the largest absolute difference of any numeric column.",
        "",
        spread.to_markdown(index=False),
        "",
    ]
    if (args.a / "05_paired_tests.csv").is_file():
        v = verdicts(args.a / "05_paired_tests.csv", args.b / "05_paired_tests.csv")
        text += [
            f"Paired tests (exact McNemar, verdict: p < {ALPHA} and the sign of the difference, else n.s.): "
            f"{int(v['same verdict'].sum())} of {len(v)} verdicts agree.",
            "",
            v.to_markdown(index=False),
            "",
        ]
    out = "\n".join(text)
    print(out)
    if args.out:
        args.out.write_text(out)


if __name__ == "__main__":
    main()
