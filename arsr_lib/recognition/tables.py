"""Recognition tables over the scores a harness made (:class:`~arsr_lib.recognition.scores.Harness`):
accuracy per stream, per class, two-stream fusion, paired tests of the paper's claims, the calibration of the
dataset and the prediction flips. Which pairings and claims: the experiment's
:class:`~arsr_lib.config.study.Study`, passed in."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from arsr_lib.config.seeds import seeds_of
from arsr_lib.config.study import Study
from arsr_lib.recognition import stats
from arsr_lib.recognition.scores import Harness


def accuracy_cells(scores: np.ndarray, labels: np.ndarray, seed: int = 0) -> dict:
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


def stream_table(harness: Harness, stream: str, methods: list[str]) -> pd.DataFrame:
    """TSN accuracy of one stream ("rgb" spatial, "flow" temporal) per SR method."""
    rows = [
        {"method": m, **accuracy_cells(harness.scores("tsn_" + stream, stream, m), harness.labels)}
        for m in methods
    ]
    return pd.DataFrame(rows)


def per_class_top1(scores: np.ndarray, labels: np.ndarray, n_classes: int) -> list[float]:
    """Top-1 (%) of each class (nan for a class with no video)."""
    pred = np.argmax(scores, 1)
    return [
        100 * float((pred[labels == c] == c).mean()) if (labels == c).any() else float("nan")
        for c in range(n_classes)
    ]


def per_class_table(harness: Harness, stream: str, methods: list[str]) -> pd.DataFrame:
    """TSN top-1 (%) of one stream per class (rows, with the number of test videos) and method (columns):
    where a method wins back or loses accuracy, e.g. the detail pairs of SynthActions for the spatial
    stream."""
    y = harness.labels
    table: dict[str, list[float]] = {"videos": [int((y == c).sum()) for c in range(len(harness.ds.classes))]}
    for m in methods:
        table[m] = per_class_top1(harness.scores("tsn_" + stream, stream, m), y, len(harness.ds.classes))
    return pd.DataFrame(table, index=pd.Index(list(harness.ds.classes), name="class"))


def _has(harness, *methods) -> bool:
    return all(m in harness.frames_roots for m in methods)


def fusion_table(harness: Harness, pairings: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    """Two-stream accuracy of each pairing (name -> (frames method, flow method); ``study.pairings``), TSN
    late fusion and ST-ResNet."""
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


def claims(harness: Harness, study: Study) -> Iterator[tuple[str, str, np.ndarray, np.ndarray]]:
    """The paper's claims as paired comparisons on the harness's videos: ``(name, recogniser, scores of a,
    scores of b)`` for each of ``study.comparisons`` (TSN, one stream) and the paper's pairing against each of
    ``study.two_stream_baselines`` (TSN late fusion and ST-ResNet); those whose methods the harness lacks are
    left out."""
    for name, rec, a, b in seeded_claims(harness, study, all_seeds=False):
        yield name, rec, a[0], b[0]


def _seeded(harness: Harness, methods: tuple[str, ...], all_seeds: bool) -> list[tuple[str, ...]]:
    """The methods of each training seed: seed k takes each method's variant k where it has one (a pretrained
    model or Bicubic has none and stays), as many seeds as the most-seeded method has (seed 0 alone unless
    ``all_seeds``)."""
    runs = [seeds_of(m, harness.frames_roots) for m in methods]
    n = max(len(r) for r in runs) if all_seeds else 1
    return [tuple(r[k] if k < len(r) else r[0] for r in runs) for k in range(n)]


def seeded_claims(
    harness: Harness, study: Study, all_seeds: bool = True
) -> Iterator[tuple[str, str, list, list]]:
    """The paper's claims over the training seeds: ``(name, recogniser, [scores of a per seed], [scores of b
    per seed])``, seed 0 first (the experiment's own runs; only it unless ``all_seeds``)."""
    for name, (stream, a, b) in study.comparisons.items():
        if _has(harness, a, b):
            kind = "tsn_" + stream
            sides = _seeded(harness, (a, b), all_seeds)
            yield name, "TSN", *([harness.scores(kind, stream, s[i]) for s in sides] for i in (0, 1))
    frames_method, flow_method = study.paper_methods()
    for baseline in study.two_stream_baselines:
        base_frames, base_flow = study.pairings[baseline]
        if not _has(harness, frames_method, flow_method, base_frames, base_flow):
            continue
        name = f"{frames_method} + {flow_method} vs {baseline} (two-stream)"
        sides = _seeded(harness, (frames_method, flow_method, base_frames, base_flow), all_seeds)
        yield (
            name,
            "TSN",
            [harness.fused_tsn(s[0], s[1]) for s in sides],
            [harness.fused_tsn(s[2], s[3]) for s in sides],
        )
        yield (
            name,
            "ST-ResNet",
            [harness.scores("stresnet", "both", s[0], s[1]) for s in sides],
            [harness.scores("stresnet", "both", s[2], s[3]) for s in sides],
        )


def _groups(harness: Harness) -> np.ndarray:
    """The group of each test video (videos of a group share actor, scene and generator seed); a video with
    no group is its own."""
    return np.array([it.group if it.group is not None else -1 - i for i, it in enumerate(harness.ds.test)])


def _focus_columns(harness: Harness, study: Study, name: str, correct_a, correct_b, groups) -> dict:
    """The claim on the videos it is about (``study.focus`` of its stream): their count, the mean difference
    over seeds, its interval and the minimum detectable effect there; empty for a two-stream claim or a
    stream without focus classes."""
    focus = study.focus.get(study.comparisons[name][0], ()) if name in study.comparisons else ()
    keep = np.isin(harness.labels, [harness.ds.classes.index(c) for c in focus if c in harness.ds.classes])
    if not keep.any():
        return {}
    claim = stats.seed_group_claim(correct_a[:, keep], correct_b[:, keep], groups[keep])
    return {
        "focus videos": int(keep.sum()),
        "focus diff (pts)": 100 * claim["diff"],
        "focus CI low": 100 * claim["ci_low"],
        "focus CI high": 100 * claim["ci_high"],
        "focus MDE 80% (pts)": 100 * claim["mde"],
    }


def paired_tests(harness: Harness, study: Study) -> pd.DataFrame:
    """Each of the paper's claims (:func:`seeded_claims`) on the same videos, differences in points: on the
    experiment's own runs (seed 0), the paired bootstrap over videos and the exact McNemar; over every
    training seed, the mean paired difference with a two-stage bootstrap over seeds and groups of videos, its
    p value, each seed's difference and the minimum detectable effect at 80 % power."""
    y, groups = harness.labels, _groups(harness)
    rows = []
    for name, rec, a, b in seeded_claims(harness, study):
        row = _paired_row(name, rec, a[0], b[0], y)
        correct_a = np.stack([np.argmax(s, 1) == y for s in a])
        correct_b = np.stack([np.argmax(s, 1) == y for s in b])
        claim = stats.seed_group_claim(correct_a, correct_b, groups)
        row.update(_focus_columns(harness, study, name, correct_a, correct_b, groups))
        row.update(
            {
                "seeds": claim["seeds"],
                "mean diff over seeds (pts)": 100 * claim["diff"],
                "seeds x groups CI low": 100 * claim["ci_low"],
                "seeds x groups CI high": 100 * claim["ci_high"],
                "p (seeds x groups)": claim["p_boot"],
                "per-seed diffs (pts)": " ".join(f"{100 * d:+.1f}" for d in claim["per_seed"]),
                "MDE 80% (pts)": 100 * claim["mde"],
            }
        )
        rows.append(row)
    df = pd.DataFrame(rows)
    for c in ("diff", "ci_low", "ci_high"):
        if c in df:
            df[c] = 100 * df[c]
    return df.rename(columns={"diff": "top-1 diff (pts)", "ci_low": "95% CI low", "ci_high": "95% CI high"})


def power_table(val_harness: Harness, study: Study, n_test: int, half_width: float = 0.03) -> pd.DataFrame:
    """The power calculation of the test split: for each claim, the discordance rates measured on the
    validation videos, the test videos a 95 % interval of ``half_width`` (0.03: 3 points) needs, and the
    half-width expected with the ``n_test`` videos the test split has (normal approximation;
    ``stats.paired_sample_size``)."""
    y = val_harness.labels
    rows = []
    for name, rec, a, b in claims(val_harness, study):
        rates = stats.discordance(np.argmax(a, 1) == y, np.argmax(b, 1) == y)
        rows.append(
            {
                "comparison": name,
                "recogniser": rec,
                "validation videos": len(y),
                "a only (%)": 100 * rates["a_only"],
                "b only (%)": 100 * rates["b_only"],
                f"test videos for +-{100 * half_width:g} pts": stats.paired_sample_size(
                    rates["a_only"], rates["b_only"], half_width
                ),
                "test videos": n_test,
                "expected half-width (pts)": 100
                * stats.paired_half_width(n_test, rates["a_only"], rates["b_only"]),
            }
        )
    return pd.DataFrame(rows)


def calibration_table(
    spatial: pd.DataFrame, temporal: pd.DataFrame, split: str | None = None
) -> pd.DataFrame:
    """HR and Bicubic top-1 of each stream and the gap between them (the dataset's calibration); ``split``
    names the videos it was measured on (a first column)."""
    rows = [
        {
            **({"split": split} if split else {}),
            "stream": name,
            "HR top-1 (%)": t.loc[t.method == "HR", "top-1 (%)"].item(),
            "Bicubic top-1 (%)": t.loc[t.method == "Bicubic", "top-1 (%)"].item(),
        }
        for name, t in (("spatial (TSN RGB)", spatial), ("temporal (TSN flow)", temporal))
    ]
    calib = pd.DataFrame(rows)
    calib["gap (pts)"] = calib["HR top-1 (%)"] - calib["Bicubic top-1 (%)"]
    return calib


def recoverable_calibration(
    harness: Harness, classes: dict[str, list[str]], split: str = "validation, recoverable classes"
) -> pd.DataFrame:
    """The calibration (HR and Bicubic top-1, the gap) of each stream on the videos of the classes the LR
    oracle found recoverable for it (``classes``: stream -> class names)."""
    y, names = harness.labels, list(harness.ds.classes)
    rows = []
    for stream, label in (("rgb", "spatial (TSN RGB)"), ("flow", "temporal (TSN flow)")):
        keep = np.isin(y, [names.index(c) for c in classes[stream]])
        row: dict[str, str | float] = {"split": split, "stream": label}
        for method in ("HR", "Bicubic"):
            pred = np.argmax(harness.scores(f"tsn_{stream}", stream, method), 1)
            row[f"{method} top-1 (%)"] = 100 * float((pred[keep] == y[keep]).mean()) if keep.any() else np.nan
        row["classes"] = len(classes[stream])
        rows.append(row)
    calib = pd.DataFrame(rows)
    calib["gap (pts)"] = calib["HR top-1 (%)"] - calib["Bicubic top-1 (%)"]
    return calib


def temporal_premise(
    val_temporal: pd.DataFrame, test_temporal: pd.DataFrame, epe: pd.DataFrame, consistency: pd.DataFrame
) -> pd.DataFrame:
    """The temporal premise per method: temporal top-1 (validation, test), flow EPE against HR flow and
    warping error (validation, chapter 04), and whether an SR method's flow does worse than bicubic's on
    validation (``yes``/``no``; ``reference`` on the HR and Bicubic rows)."""
    table = val_temporal[["method", "top-1 (%)"]].rename(columns={"top-1 (%)": "temporal top-1, val (%)"})
    test = test_temporal[["method", "top-1 (%)"]].rename(columns={"top-1 (%)": "temporal top-1, test (%)"})
    table = table.merge(test, on="method", how="left")
    flow = epe.rename(columns={"frames from": "method"})[["method", "EPE vs HR flow"]]
    table = table.merge(flow, on="method", how="left").merge(consistency, on="method", how="left")
    if (bicubic := table.loc[table.method == "Bicubic", "temporal top-1, val (%)"]).empty:
        raise ValueError("temporal_premise: the validation table has no Bicubic row")
    below = np.where(table["temporal top-1, val (%)"] < bicubic.item(), "yes", "no")
    table["below Bicubic (val)"] = np.where(table.method.isin(["HR", "Bicubic"]), "reference", below)
    return table


def flips(harness: Harness, method: str, reference: str = "Bicubic") -> pd.DataFrame:
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
