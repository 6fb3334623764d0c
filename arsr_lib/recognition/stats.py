"""Accuracy with uncertainty: top-1 and mean-class accuracy, bootstrap confidence intervals over
test videos, paired bootstrap of a difference and McNemar's exact test."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np


def top1(scores: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.argmax(scores, 1) == labels))


def mean_class_accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    """Mean over the classes present of per-class recall (TSN's reported metric)."""
    pred = np.argmax(scores, 1)
    return float(np.mean([np.mean(pred[labels == c] == c) for c in np.unique(labels)]))


def bootstrap_ci(
    correct_or_fn: np.ndarray | Callable[..., float],
    labels: np.ndarray | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    scores: np.ndarray | None = None,
) -> tuple[float, float]:
    """Percentile bootstrap interval over test videos.

    ``bootstrap_ci(correct)`` for a 0/1 vector (top-1); ``bootstrap_ci(fn, labels, scores=S)`` for any metric
    ``fn(S[idx], labels[idx])`` (e.g. mean-class accuracy).
    """
    rng = np.random.default_rng(seed)
    if callable(correct_or_fn):
        if labels is None or scores is None:
            raise ValueError("bootstrap_ci of a metric needs labels and scores")
        n = len(labels)
        stats = [
            correct_or_fn(scores[idx], labels[idx]) for idx in (rng.integers(0, n, n) for _ in range(n_boot))
        ]
    else:
        c = np.asarray(correct_or_fn, np.float64)
        n = len(c)
        stats = c[rng.integers(0, n, (n_boot, n))].mean(1)
    lo, hi = np.percentile(stats, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)


def paired_bootstrap(
    correct_a: np.ndarray, correct_b: np.ndarray, n_boot: int = 2000, seed: int = 0, alpha: float = 0.05
) -> dict:
    """Difference of top-1 (a - b) on the same videos: estimate, 95% interval, two-sided bootstrap p-value."""
    a, b = np.asarray(correct_a, np.float64), np.asarray(correct_b, np.float64)
    if a.shape != b.shape:
        raise ValueError("paired_bootstrap: both methods must be scored on the same videos")
    d = a - b
    rng = np.random.default_rng(seed)
    boots = d[rng.integers(0, len(d), (n_boot, len(d)))].mean(1)
    lo, hi = np.percentile(boots, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    p = 2 * min(np.mean(boots <= 0), np.mean(boots >= 0))
    return {"diff": float(d.mean()), "ci_low": float(lo), "ci_high": float(hi), "p_boot": float(min(1.0, p))}


def mcnemar_exact(correct_a: np.ndarray, correct_b: np.ndarray) -> dict:
    """McNemar's exact (binomial) test on the discordant pairs."""
    a, b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    n01, n10 = int(np.sum(~a & b)), int(np.sum(a & ~b))
    n = n01 + n10
    if n == 0:
        return {"a_only": n10, "b_only": n01, "p_mcnemar": 1.0}
    k = min(n01, n10)
    p = min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)
    return {"a_only": n10, "b_only": n01, "p_mcnemar": float(p)}


Z95 = 1.959963984540054  # the standard normal's 97.5th percentile


def paired_variance(a_only: float, b_only: float) -> float:
    """Variance of one video's paired difference (correct_a - correct_b, in {-1, 0, 1}) from the rates of the
    two kinds of discordant video: ``p10 + p01 - (p10 - p01)^2``."""
    return a_only + b_only - (a_only - b_only) ** 2


def paired_half_width(n: int, a_only: float, b_only: float, z: float = Z95) -> float:
    """Normal-approximation half-width of the 95 % interval of a top-1 difference on ``n`` paired videos."""
    return z * math.sqrt(paired_variance(a_only, b_only) / n)


def paired_sample_size(a_only: float, b_only: float, half_width: float = 0.03, z: float = Z95) -> int:
    """Test videos needed so that the 95 % interval of a paired top-1 difference has at most ``half_width``
    (a fraction: 0.03 = 3 points), given the discordance rates measured on validation: ``z^2 var / h^2``."""
    if half_width <= 0:
        raise ValueError(f"paired_sample_size: half_width must be > 0 (got {half_width})")
    return max(1, math.ceil(z * z * paired_variance(a_only, b_only) / half_width**2))


def discordance(correct_a: np.ndarray, correct_b: np.ndarray) -> dict:
    """Rates of videos only ``a`` gets right (``a_only``) and only ``b`` does (``b_only``)."""
    a, b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    if a.shape != b.shape:
        raise ValueError("discordance: both methods must be scored on the same videos")
    return {"a_only": float(np.mean(a & ~b)), "b_only": float(np.mean(~a & b))}


Z80 = 0.8416212335729143  # the standard normal's 80th percentile (80 % power)


def seed_group_claim(
    correct_a: np.ndarray,
    correct_b: np.ndarray,
    groups: np.ndarray,
    n_boot: int = 4000,
    seed: int = 0,
    alpha: float = 0.05,
) -> dict:
    """A paired claim "a beats b" over several training seeds: ``correct_a`` / ``correct_b`` are ``(seeds,
    videos)`` 0/1 arrays (model a of seed s and model b of seed s scored on the same videos), ``groups`` the
    group of each video (videos of a group share a generator seed and are not independent).

    Two-stage bootstrap: seeds resampled with replacement, then groups of videos (clusters, not single
    videos), so the interval carries the between-seed variation of training and the within-group correlation
    of the data. Returns the mean paired difference (a - b, as a fraction), its interval, a two-sided
    bootstrap p value, each seed's difference, and the minimum detectable effect at 80 % power for a
    two-sided 5 % test, ``(z_0.975 + z_0.8) * SE`` with SE the bootstrap standard error."""
    a, b = np.asarray(correct_a, np.float64), np.asarray(correct_b, np.float64)
    if a.ndim != 2 or a.shape != b.shape:
        raise ValueError(
            f"seed_group_claim: need two (seeds, videos) arrays of one shape, got {a.shape}, {b.shape}"
        )
    groups = np.asarray(groups)
    if groups.shape != (a.shape[1],):
        raise ValueError(f"seed_group_claim: {len(groups)} group labels for {a.shape[1]} videos")
    d = a - b  # (seeds, videos)
    names, index = np.unique(groups, return_inverse=True)
    sums = np.zeros((len(d), len(names)))  # per seed and group: summed difference, and video counts
    np.add.at(sums.T, index, d.T)
    counts = np.bincount(index, minlength=len(names)).astype(np.float64)
    rng = np.random.default_rng(seed)
    s_idx = rng.integers(0, len(d), (n_boot, len(d)))
    g_idx = rng.integers(0, len(names), (n_boot, len(names)))
    boots = np.array([sums[si][:, gi].sum() / (len(si) * counts[gi].sum()) for si, gi in zip(s_idx, g_idx)])
    lo, hi = np.percentile(boots, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    p = 2.0 * min(float(np.mean(boots <= 0)), float(np.mean(boots >= 0)))
    se = float(np.std(boots, ddof=1))
    return {
        "diff": float(d.mean()),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "p_boot": min(1.0, p),
        "per_seed": [float(x) for x in d.mean(1)],
        "se": se,
        "mde": float((Z95 + Z80) * se),
        "seeds": int(len(d)),
        "groups": int(len(names)),
        "videos": int(d.shape[1]),
    }
