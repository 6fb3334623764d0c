"""What a table says, in a sentence: the notebooks print these after each result, so that every number in
their prose is read from the table the run just wrote (never typed in).

Each function takes a table as the package writes it (the column names of :mod:`arsr_lib.recognition.tables`
and :mod:`arsr_lib.sr.sreval`) and returns Markdown. A claim's verdict (:func:`verdict`) is read from its 95 %
interval: above zero it holds on these videos, below zero it is reversed, across zero these videos cannot
tell.
"""

from __future__ import annotations

import pandas as pd

CALIBRATION_AIM = 15.0  # points bicubic x4 should cost each stream on validation (docs/synthactions.md)


def verdict(low: float, high: float) -> str:
    """A paired difference's verdict from its 95 % interval."""
    if low > 0:
        return "holds"
    if high < 0:
        return "reversed"
    return "undecided on these videos"


def _row(table: pd.DataFrame, column: str, value: str) -> pd.Series | None:
    rows = table[table[column] == value]
    return rows.iloc[0] if len(rows) else None


def stream_summary(table: pd.DataFrame, stream: str) -> str:
    """One stream's accuracy table (``method``, ``top-1 (%)``): HR, bicubic, and the best and worst SR."""
    hr, bic = _row(table, "method", "HR"), _row(table, "method", "Bicubic")
    if hr is None or bic is None:
        return f"The {stream} table lacks its HR or Bicubic row."
    acc = "top-1 (%)"
    text = (
        f"The {stream} stream reads HR frames at **{hr[acc]:.1f} %** top-1 and bicubic ×4 frames at "
        f"**{bic[acc]:.1f} %** ({bic[acc] - hr[acc]:+.1f} points)."
    )
    sr = table[~table.method.isin(["HR", "Bicubic"])].sort_values(acc, ascending=False)
    if len(sr):
        best, worst = sr.iloc[0], sr.iloc[-1]
        text += (
            f" Of the SR methods, {best.method} is best at {best[acc]:.1f} % "
            f"({best[acc] - bic[acc]:+.1f} over bicubic, {best[acc] - hr[acc]:+.1f} to HR)"
        )
        text += (
            f" and {worst.method} worst at {worst[acc]:.1f} % ({worst[acc] - bic[acc]:+.1f} over bicubic)."
            if len(sr) > 1
            else "."
        )
    return text


def quality_summary(table: pd.DataFrame) -> str:
    """An SR quality table (``method``, ``PSNR-Y``, optional ``actor PSNR-Y`` and ``warping error``)."""
    parts = []
    hr = _row(table, "method", "HR")
    table = table[table.method != "HR"]  # the reference: infinite PSNR
    for column, unit, higher in (
        ("PSNR-Y", " dB", True),
        ("actor PSNR-Y", " dB", True),
        ("warping error", "", False),
    ):
        if column not in table or table[column].isna().all():
            continue
        ordered = table.sort_values(column, ascending=not higher)
        best, worst = ordered.iloc[0], ordered.iloc[-1]
        word = "lowest" if not higher else "highest"
        parts.append(
            f"{column}: {word} {best.method} ({best[column]:.2f}{unit}), "
            f"{'highest' if not higher else 'lowest'} {worst.method} ({worst[column]:.2f}{unit})"
        )
    if hr is not None and "warping error" in table and pd.notna(hr["warping error"]):
        parts.append(f"HR video itself: warping error {hr['warping error']:.2f}")
    return "; ".join(parts) + "." if parts else "The quality table is empty."


def training_summary(table: pd.DataFrame) -> str:
    """An SR training table (``run``, ``steps``, ``val PSNR-Y first``/``last``): where each run ended."""
    rows = [
        f"{r.run} {r['val PSNR-Y first']:.2f} → {r['val PSNR-Y last']:.2f} dB in {int(r.steps)} steps"
        for _, r in table.iterrows()
        if pd.notna(r.get("val PSNR-Y last"))
    ]
    if not rows:
        return "No run logged a validation PSNR."
    return "Validation PSNR-Y, first to last point: " + "; ".join(rows) + "."


def epe_summary(table: pd.DataFrame) -> str:
    """The flow comparison (``frames from``, ``EPE vs HR flow``): whose flow is closest to and furthest from
    HR flow, against bicubic's."""
    column = "EPE vs HR flow"
    sr = table[~table["frames from"].isin(["HR"])].sort_values(column)
    bic = _row(table, "frames from", "Bicubic")
    if not len(sr) or bic is None:
        return "The flow table lacks its Bicubic row or SR methods."
    best, worst = sr.iloc[0], sr.iloc[-1]
    better = int((sr[column] < bic[column]).sum()) - (1 if best["frames from"] == "Bicubic" else 0)
    return (
        f"Flow on bicubic frames is {bic[column]:.3f} px from HR flow; the closest is {best['frames from']} "
        f"({best[column]:.3f} px), the furthest {worst['frames from']} ({worst[column]:.3f} px); "
        f"{max(better, 0)} SR method(s) give flow closer to HR's than bicubic does."
    )


def calibration_summary(table: pd.DataFrame) -> str:
    """The calibration (``split``, ``stream``, ``gap (pts)``): what x4 costs each stream, against the aim."""
    rows = []
    for _, r in table.iterrows():
        where = f"{r['split']}, " if "split" in table else ""
        met = "meets" if r["gap (pts)"] >= CALIBRATION_AIM else "misses"
        rows.append(
            f"{where}{r.stream}: {r['gap (pts)']:.1f} points ({met} the {CALIBRATION_AIM:g}-point aim)"
        )
    return "Bicubic ×4 costs " + "; ".join(rows) + "."


def oracle_summary(table: pd.DataFrame, separable: float) -> str:
    """The LR oracle (``<stream>: LR oracle on Bicubic``, ``<stream>: recoverable``, a last row ``all``): per
    stream, which classes the x4 LR input keeps the cue of, and which it does not."""
    parts = []
    for stream, name in (("rgb", "spatial"), ("flow", "temporal")):
        oracle = table[f"{stream}: LR oracle on Bicubic"]
        flags = table[f"{stream}: recoverable"].drop(index="all")
        lost = [f"{c} ({oracle[c]:.0f} %)" for c, ok in flags.items() if not ok]
        kept = int(sum(bool(v) for v in flags))
        parts.append(
            f"{name}: the LR oracle reaches {separable:g} % on {kept} of {len(flags)} classes (all classes "
            f"{oracle['all']:.1f} %)" + (f"; not recoverable from x4 LR: {', '.join(lost)}" if lost else "")
        )
    return "; ".join(parts) + "."


def flicker_summary(table: pd.DataFrame) -> str:
    """The temporal premise (``method``, ``temporal top-1, val (%)``, ``EPE vs HR flow``, ``warping error``,
    ``below Bicubic (val)``): which SR methods' flow the temporal stream reads worse than bicubic's."""
    sr = table[~table.method.isin(["HR", "Bicubic"])]
    bicubic = _row(table, "method", "Bicubic")
    below = sr[sr["below Bicubic (val)"] == "yes"]
    if bicubic is None:
        return "The table has no Bicubic row."
    top1, epe, warp = (bicubic[k] for k in ("temporal top-1, val (%)", "EPE vs HR flow", "warping error"))
    base = f"Bicubic: {top1:.1f} % on validation (EPE {epe:.3f} px, warping error {warp:.3f})"
    if below.empty:
        return base + "; no SR method's flow does worse: the flicker premise is not met on this data."
    names = [
        f"{r.method} {r['temporal top-1, val (%)']:.1f} % (EPE {r['EPE vs HR flow']:.3f}, warping error "
        f"{r['warping error']:.3f})"
        for _, r in below.iterrows()
    ]
    return base + "; below it, the premise met: " + "; ".join(names) + "."


def swap_summary(table: pd.DataFrame) -> str:
    """The background swap test (index ``split``, ``method``; columns of
    :func:`arsr_lib.recognition.swap.swap_table`): per split, how many predictions each method's background
    alone changed, against Bicubic's background (a background that merely lost its detail)."""
    parts = []
    for split, rows in table.groupby(level="split", sort=False):
        rows = rows.droplevel("split")
        if "Bicubic" not in rows.index:
            return "The swap table has no Bicubic row."
        bic = rows.loc["Bicubic"]
        sr = rows.drop(index="Bicubic")
        worse = sr[sr["right -> wrong (%)"] > bic["right -> wrong (%)"]]
        text = (
            f"{split}: Bicubic's background changed {bic['predictions changed (%)']:.1f} % of the "
            f"predictions ({bic['right -> wrong (%)']:.1f} % right -> wrong)"
        )
        if worse.empty:
            text += "; no SR background misled the HR recogniser more"
        else:
            text += "; SR backgrounds that misled it more: " + ", ".join(
                f"{m} {r['predictions changed (%)']:.1f} % ({r['right -> wrong (%)']:.1f} % right -> wrong)"
                for m, r in worse.iterrows()
            )
        parts.append(text)
    return "; ".join(parts) + "."


def fusion_summary(table: pd.DataFrame, paper: str, baselines: tuple[str, ...]) -> str:
    """Two-stream accuracy (``pairing (frames + flow)``, ``TSN top-1 (%)``, ``ST-ResNet top-1 (%)``): the
    paper's pairing against its baselines."""
    key = "pairing (frames + flow)"
    ours = _row(table, key, paper)
    if ours is None:
        return f"The table has no row for the paper's pairing ({paper})."
    parts = []
    for recogniser in ("TSN", "ST-ResNet"):
        col = f"{recogniser} top-1 (%)"
        vs = [
            f"{b} {row[col]:.1f} % ({ours[col] - row[col]:+.1f})"
            for b in baselines
            if (row := _row(table, key, b)) is not None
        ]
        parts.append(
            f"{recogniser}: {paper} {ours[col]:.1f} %" + (", against " + ", ".join(vs) if vs else "")
        )
    return "; ".join(parts) + "."


def paired_summary(table: pd.DataFrame) -> str:
    """The paired tests: one line per claim with its verdict. With the columns over training seeds
    (``mean diff over seeds (pts)``, ``seeds x groups CI low/high``, ``per-seed diffs (pts)``, ``MDE 80%
    (pts)``) the verdict is read from the interval that carries the seeds' variation; otherwise from the
    paired bootstrap over videos."""
    if not len(table):
        return "No claim could be tested: the harness lacks the methods the study compares."
    lines = []
    for _, r in table.iterrows():
        if "seeds x groups CI low" in table:
            low, high = r["seeds x groups CI low"], r["seeds x groups CI high"]
            focus = ""
            if "focus videos" in table and pd.notna(r.get("focus videos")):
                focus = (
                    f"; on the {int(r['focus videos'])} videos it is about: {r['focus diff (pts)']:+.2f} "
                    f"[{r['focus CI low']:.2f}, {r['focus CI high']:.2f}], MDE {r['focus MDE 80% (pts)']:.1f}"
                )
            lines.append(
                f"- {r.comparison}, {r.recogniser}: {r['mean diff over seeds (pts)']:+.2f} points over "
                f"{r.seeds} seed(s) [{low:.2f}, {high:.2f}] (seeds: {r['per-seed diffs (pts)']}; p = "
                f"{r['p (seeds x groups)']:.3f}; MDE {r['MDE 80% (pts)']:.1f} points{focus}): "
                f"**{verdict(low, high)}**"
            )
            continue
        low, high = r["95% CI low"], r["95% CI high"]
        lines.append(
            f"- {r.comparison}, {r.recogniser}: {r['top-1 diff (pts)']:+.2f} points [{low:.2f}, {high:.2f}], "
            f"McNemar p = {r.p_mcnemar:.3f}: **{verdict(low, high)}**"
        )
    return "\n".join(lines)


def detail_summary(table: pd.DataFrame) -> str:
    """Detail recovery (``method`` and one ``A / B (%)`` column per detail pair): who restores most."""
    pairs = [c for c in table.columns if " / " in c]
    parts = []
    for c in pairs:
        ordered = table.sort_values(c, ascending=False)
        best, worst = ordered.iloc[0], ordered.iloc[-1]
        parts.append(
            f"{c.removesuffix(' (%)')}: {best.method} {best[c]:.1f} %, {worst.method} {worst[c]:.1f} %"
        )
    return "Share of the twins' HR difference restored, most and least: " + "; ".join(parts) + "."


def degradation_summary(stats: pd.DataFrame) -> str:
    """The degradation statistics of data preparation: bicubic PSNR over the whole frame and on the actor,
    and how far flow on bicubic frames is from the true (or HR) flow, against HR's own flow."""
    psnr = stats["PSNR bicubic (dB)"].mean()
    text = f"Over {len(stats)} videos, bicubic ×4 frames have a PSNR of {psnr:.2f} dB against HR"
    if "PSNR bicubic actor (dB)" in stats:
        actor = stats["PSNR bicubic actor (dB)"].mean()
        text += f", and only {actor:.2f} dB on the actor, where the classes differ"
    text += "."
    if "EPE bicubic flow vs true (actor)" in stats:
        hr, bic = (
            stats["EPE HR flow vs true (actor)"].mean(),
            stats["EPE bicubic flow vs true (actor)"].mean(),
        )
        text += (
            f" On the actor, flow computed on bicubic frames is {bic:.3f} px from the true flow of the "
            f"scene, against {hr:.3f} px for flow computed on HR frames ({bic / hr:.2f}×)."
        )
    elif "EPE bicubic flow vs HR flow" in stats:
        text += (
            f" Flow on bicubic frames is {stats['EPE bicubic flow vs HR flow'].mean():.3f} px from HR flow."
        )
    return text
