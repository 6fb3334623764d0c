"""Recognition tables over a :class:`~arsr_lib.harness.Harness`: accuracy per stream, per class, two-stream
fusion, paired tests of the paper's claims, the calibration of the dataset and the prediction flips."""

from __future__ import annotations

import numpy as np
import pandas as pd

from arsr_lib import stats

# the paper's pairing and the comparisons the tables show: name -> (frames method -> spatial, flow method ->
# temporal)
PAIRINGS = {
    "HR + HR": ("HR", "HR"),
    "Bicubic + Bicubic": ("Bicubic", "Bicubic"),
    "VDSR + VDSR": ("VDSR", "VDSR"),
    "ESRGAN + ESRGAN": ("ESRGAN", "ESRGAN"),
    "ESRGAN + VSR-DUF (off-the-shelf)": ("ESRGAN", "VSR-DUF"),
    "SoSR + ToSR-DUF (paper)": ("SoSR", "ToSR-DUF"),
    "SoSR-VDSR + ToSR-VDSR": ("SoSR-VDSR", "ToSR-VDSR"),
}
COMPARISONS = {  # name -> (stream, a, b): is a better than b on the same videos?
    "SoSR vs ESRGAN (spatial)": ("rgb", "SoSR", "ESRGAN"),
    "SoSR-VDSR vs VDSR (spatial)": ("rgb", "SoSR-VDSR", "VDSR"),
    "ToSR-DUF vs VSR-DUF (temporal)": ("flow", "ToSR-DUF", "VSR-DUF"),
    "ToSR-VDSR vs VDSR (temporal)": ("flow", "ToSR-VDSR", "VDSR"),
}
PAPER_PAIRING = "SoSR + ToSR-DUF (paper)"
# the paper's temporal-stream table (its Table B), with HR as the ceiling
TEMPORAL_TABLE = ("HR", "Bicubic", "VDSR", "VSR-DUF", "ToSR-VDSR", "ToSR-DUF")


def flow_consumers() -> set[str]:
    """Methods whose flow some table reads: the temporal table, the flow side of every pairing, the temporal
    comparisons. The others (SoSR, SoSR-VDSR) feed the spatial stream alone, so only its frames are made."""
    used = set(TEMPORAL_TABLE) | {flow for _, flow in PAIRINGS.values()}
    return used | {m for stream, a, b in COMPARISONS.values() if stream == "flow" for m in (a, b)}


def accuracy_cells(scores, labels, seed=0) -> dict:
    """Top-1 and mean-class accuracy (%) with 95 % bootstrap intervals over the test videos."""
    correct = np.argmax(scores, 1) == labels
    lo, hi = stats.bootstrap_ci(correct, seed=seed)
    mlo, mhi = stats.bootstrap_ci(stats.mean_class_accuracy, labels, scores=scores, n_boot=500, seed=seed)
    return {
        "top-1 (%)": 100 * correct.mean(),
        "top-1 95% CI": f"[{100 * lo:.1f}, {100 * hi:.1f}]",
        "mean-class (%)": 100 * stats.mean_class_accuracy(scores, labels),
        "mean-class 95% CI": f"[{100 * mlo:.1f}, {100 * mhi:.1f}]",
    }


def stream_table(harness, stream: str, methods: list[str]) -> pd.DataFrame:
    """TSN accuracy of one stream ("rgb" spatial, "flow" temporal) per SR method."""
    rows = [
        {"method": m, **accuracy_cells(harness.scores("tsn_" + stream, stream, m), harness.labels)}
        for m in methods
    ]
    return pd.DataFrame(rows)


def per_class_table(harness, stream: str, methods: list[str]) -> pd.DataFrame:
    """TSN top-1 (%) of one stream per class (rows, with the number of test videos) and method (columns):
    where a method wins back or loses accuracy, e.g. the detail pairs of SynthActions for the spatial
    stream."""
    y = harness.labels
    table = {"videos": [int((y == c).sum()) for c in range(len(harness.ds.classes))]}
    for m in methods:
        pred = np.argmax(harness.scores("tsn_" + stream, stream, m), 1)
        table[m] = [
            100 * float((pred[y == c] == c).mean()) if (y == c).any() else float("nan")
            for c in range(len(harness.ds.classes))
        ]
    return pd.DataFrame(table, index=pd.Index(list(harness.ds.classes), name="class"))


def _has(harness, *methods) -> bool:
    return all(m in harness.frames_roots for m in methods)


def fusion_table(harness, pairings: dict = PAIRINGS) -> pd.DataFrame:
    """Two-stream accuracy of each pairing (frames method + flow method), TSN late fusion and ST-ResNet."""
    rows = []
    for name, (frames_method, flow_method) in pairings.items():
        if not _has(harness, frames_method, flow_method):
            continue
        tsn = harness.fused_tsn(frames_method, flow_method)
        st = harness.scores("stresnet", "both", frames_method, flow_method)
        row = {"pairing (frames + flow)": name}
        row.update({f"TSN {k}": v for k, v in accuracy_cells(tsn, harness.labels).items() if "mean" not in k})
        row.update(
            {f"ST-ResNet {k}": v for k, v in accuracy_cells(st, harness.labels).items() if "mean" not in k}
        )
        rows.append(row)
    return pd.DataFrame(rows)


def _paired_row(name: str, recogniser: str, scores_a, scores_b, y) -> dict:
    correct_a, correct_b = np.argmax(scores_a, 1) == y, np.argmax(scores_b, 1) == y
    return {
        "comparison": name,
        "recogniser": recogniser,
        **stats.paired_bootstrap(correct_a, correct_b),
        **stats.mcnemar_exact(correct_a, correct_b),
    }


def paired_tests(harness) -> pd.DataFrame:
    """Paired bootstrap and exact McNemar of each comparison on the same test videos (differences in
    points)."""
    rows = []
    y = harness.labels
    for name, (stream, a, b) in COMPARISONS.items():
        if _has(harness, a, b):
            kind = "tsn_" + stream
            rows.append(
                _paired_row(name, "TSN", harness.scores(kind, stream, a), harness.scores(kind, stream, b), y)
            )
    frames_method, flow_method = PAIRINGS[PAPER_PAIRING]
    if _has(harness, frames_method, flow_method):
        name = "SoSR + ToSR-DUF vs Bicubic + Bicubic (two-stream)"
        rows.append(
            _paired_row(
                name,
                "TSN",
                harness.fused_tsn(frames_method, flow_method),
                harness.fused_tsn("Bicubic", "Bicubic"),
                y,
            )
        )
        rows.append(
            _paired_row(
                name,
                "ST-ResNet",
                harness.scores("stresnet", "both", frames_method, flow_method),
                harness.scores("stresnet", "both", "Bicubic", "Bicubic"),
                y,
            )
        )
    df = pd.DataFrame(rows)
    for c in ("diff", "ci_low", "ci_high"):
        if c in df:
            df[c] = 100 * df[c]
    return df.rename(columns={"diff": "top-1 diff (pts)", "ci_low": "95% CI low", "ci_high": "95% CI high"})


def calibration_table(spatial: pd.DataFrame, temporal: pd.DataFrame) -> pd.DataFrame:
    """HR and Bicubic top-1 of each stream and the gap between them (the dataset's calibration)."""
    rows = [
        {
            "stream": name,
            "HR top-1 (%)": t.loc[t.method == "HR", "top-1 (%)"].item(),
            "Bicubic top-1 (%)": t.loc[t.method == "Bicubic", "top-1 (%)"].item(),
        }
        for name, t in (("spatial (TSN RGB)", spatial), ("temporal (TSN flow)", temporal))
    ]
    calib = pd.DataFrame(rows)
    calib["gap (pts)"] = calib["HR top-1 (%)"] - calib["Bicubic top-1 (%)"]
    return calib


def flips(harness, method: str, reference: str = "Bicubic") -> pd.DataFrame:
    """Test videos whose TSN spatial prediction changes between ``reference`` and ``method`` frames."""
    y = harness.labels
    pred_method = np.argmax(harness.scores("tsn_rgb", "rgb", method), 1)
    pred_reference = np.argmax(harness.scores("tsn_rgb", "rgb", reference), 1)
    rows = []
    for i, it in enumerate(harness.ds.test):
        if pred_method[i] != pred_reference[i] and (pred_method[i] == y[i] or pred_reference[i] == y[i]):
            rows.append(
                {
                    "index": i,
                    "video": it.rel_path,
                    "true": harness.ds.classes[y[i]],
                    reference: harness.ds.classes[pred_reference[i]],
                    method: harness.ds.classes[pred_method[i]],
                    "effect": "better" if pred_method[i] == y[i] else "worse",
                }
            )
    return pd.DataFrame(rows, columns=["index", "video", "true", reference, method, "effect"])
