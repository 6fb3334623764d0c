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
