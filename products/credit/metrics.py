"""Discrimination, calibration and stability metrics for probability-of-default scores.

Plain numpy so the same code grades the sklearn model, the rules adapter and the fake, and so
the maths can be unit-tested against hand-worked cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


def _binary_pair(labels: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels).astype(int).ravel()
    s = np.asarray(scores, dtype=float).ravel()
    if y.shape != s.shape:
        raise ValueError(f"labels {y.shape} and scores {s.shape} must have the same shape")
    return y, s


def auc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve via the Mann-Whitney rank statistic (ties count one half).

    Returns:
        AUC in [0, 1], or NaN when only one class is present.
    """
    y, s = _binary_pair(labels, scores)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return math.nan
    order = np.argsort(s, kind="mergesort")
    sorted_scores = s[order]
    ranks = np.empty(s.size, dtype=float)
    ranks[order] = np.arange(1, s.size + 1, dtype=float)
    # average ranks within ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    tied = counts > 1
    for start, count in zip(first[tied], counts[tied], strict=True):
        idx = order[start : start + count]
        ranks[idx] = ranks[idx].mean()
    rank_sum = ranks[y == 1].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def ks(labels: ArrayLike, scores: ArrayLike) -> float:
    """Kolmogorov-Smirnov statistic: max distance between the score CDFs of the two classes.

    Returns:
        KS in [0, 1], or NaN when only one class is present.
    """
    y, s = _binary_pair(labels, scores)
    pos, neg = s[y == 1], s[y == 0]
    if pos.size == 0 or neg.size == 0:
        return math.nan
    grid = np.unique(s)
    cdf_pos = np.searchsorted(np.sort(pos), grid, side="right") / pos.size
    cdf_neg = np.searchsorted(np.sort(neg), grid, side="right") / neg.size
    return float(np.max(np.abs(cdf_pos - cdf_neg)))


def brier(labels: ArrayLike, probabilities: ArrayLike) -> float:
    """Mean squared error of predicted probabilities against 0/1 outcomes (NaN if empty)."""
    y, p = _binary_pair(labels, probabilities)
    if y.size == 0:
        return math.nan
    return float(np.mean((p - y) ** 2))


def psi(expected: ArrayLike, actual: ArrayLike, bins: int = 10, floor: float = 1e-4) -> float:
    """Population stability index of ``actual`` scores against the ``expected`` distribution.

    Bins are the quantiles of ``expected`` (ties merged); empty bins are floored so that the
    log ratio stays finite. Rule of thumb: < 0.1 stable, 0.1-0.25 shifting, > 0.25 shifted.

    Returns:
        PSI >= 0, or NaN when either sample is empty.
    """
    base = np.asarray(expected, dtype=float).ravel()
    new = np.asarray(actual, dtype=float).ravel()
    if base.size == 0 or new.size == 0:
        return math.nan
    inner = np.unique(np.quantile(base, np.linspace(0, 1, bins + 1)[1:-1]))
    base_share = np.bincount(np.searchsorted(inner, base, side="right"), minlength=inner.size + 1)
    new_share = np.bincount(np.searchsorted(inner, new, side="right"), minlength=inner.size + 1)
    e = np.maximum(base_share / base.size, floor)
    a = np.maximum(new_share / new.size, floor)
    return float(np.sum((a - e) * np.log(a / e)))


@dataclass(frozen=True)
class CalibrationTable:
    """Reliability-diagram data: per score bin, mean predicted PD and observed default rate."""

    mean_predicted: np.ndarray
    observed_rate: np.ndarray
    count: np.ndarray


def calibration_table(
    labels: ArrayLike, probabilities: ArrayLike, bins: int = 10
) -> CalibrationTable:
    """Group predictions into equal-count bins and compare predicted with observed rates."""
    y, p = _binary_pair(labels, probabilities)
    if y.size == 0:
        empty = np.zeros(0)
        return CalibrationTable(empty, empty, empty.astype(int))
    order = np.argsort(p, kind="mergesort")
    groups = [g for g in np.array_split(order, min(bins, y.size)) if g.size]
    return CalibrationTable(
        mean_predicted=np.array([p[g].mean() for g in groups]),
        observed_rate=np.array([y[g].mean() for g in groups]),
        count=np.array([g.size for g in groups]),
    )


def score_report(labels: ArrayLike, probabilities: ArrayLike) -> dict[str, float]:
    """AUC, KS, Brier and base rate in one dict (the keys the recorder and CLI print)."""
    y, p = _binary_pair(labels, probabilities)
    return {
        "auc": auc(y, p),
        "ks": ks(y, p),
        "brier": brier(y, p),
        "base_rate": float(y.mean()) if y.size else math.nan,
        "n": float(y.size),
    }
