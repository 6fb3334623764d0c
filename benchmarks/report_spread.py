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


def column_spread(name: str, da: pd.DataFrame, db: pd.DataFrame) -> list[dict]:
    """Per numeric column of two same-shaped tables: the largest absolute difference, the row where it is (its
    text columns) and the two values there."""
    # a row's name: its text columns other than intervals ("validation / spatial (TSN RGB)")
    labels = [c for c in da.columns if not pd.api.types.is_numeric_dtype(da[c]) and "CI" not in c]
    out = []
    for col in da.columns:
        x, y = da[col], db[col]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y) and len(x):
            u, v = x.to_numpy(float), y.to_numpy(float)
            with np.errstate(invalid="ignore"):  # equal infinities (a PSNR of identical frames) differ by 0
                diff = np.where((u == v) | (np.isnan(u) & np.isnan(v)), 0.0, np.abs(u - v))
            k = int(np.argmax(diff))
            out.append(
                {
                    "table": name,
                    "column": col,
                    "largest difference": round(float(diff[k]), 3),
                    "row": " / ".join(str(da.iloc[k][c]) for c in labels),
                    "A": u[k],
                    "B": v[k],
                }
            )
    return out


def table_spread(a: Path, b: Path) -> tuple[dict, list[dict]]:
    """(the table's summary row, its numeric columns' spread) for one table of both runs."""
    row = {"table": a.name, "identical": False, "largest difference": "", "in column": ""}
    if a.read_bytes() == b.read_bytes():
        return {**row, "identical": True}, []
    da, db = pd.read_csv(a), pd.read_csv(b)
    if da.shape != db.shape or list(da.columns) != list(db.columns):
        return {**row, "largest difference": "shape"}, []
    cols = column_spread(a.name, da, db)
    worst = max(cols, key=lambda c: c["largest difference"]) if cols else None
    return {
        **row,
        "largest difference": worst["largest difference"] if worst else 0.0,
        "in column": worst["column"] if worst else "",
    }, cols


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
    ap.add_argument("--names", nargs=2, default=None, help="names of runs A and B (default: paths)")
    args = ap.parse_args(argv)
    tables = sorted(p.name for p in args.a.glob("*.csv"))
    missing = [t for t in tables if not (args.b / t).is_file()]
    if missing:
        raise SystemExit(f"{args.b}: lacks {missing} that {args.a} has")
    compared = [table_spread(args.a / t, args.b / t) for t in tables]
    spread = pd.DataFrame([summary for summary, _ in compared])
    names = args.names or [f"`{args.a}`", f"`{args.b}`"]
    text = [
        f"# Spread between two runs: {args.label}",
        "",
        f"A: {names[0]}, B: {names[1]}. {int(spread.identical.sum())} of {len(spread)} tables are "
        "byte-identical; for the others, the largest absolute difference of any numeric column.",
        "",
        spread.to_markdown(index=False),
        "",
    ]
    per_column = [c for _, cols in compared for c in cols if c["largest difference"] > 0]
    if per_column:
        text += [
            "Every numeric column that differs: its largest absolute difference, the row where it is, and "
            "the two values there.",
            "",
            pd.DataFrame(per_column).to_markdown(index=False),
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
