"""Metric maths of products.credit.metrics against hand-worked cases and scikit-learn."""

import math

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, roc_auc_score

from products.credit.metrics import auc, brier, calibration_table, ks, psi, score_report


def test_auc_matches_sklearn_with_ties() -> None:
    rng = np.random.default_rng(3)
    y = rng.random(500) < 0.2
    s = np.round(rng.random(500) + 0.3 * y, 1)  # rounding creates many ties
    assert auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_auc_perfect_inverse_and_single_class() -> None:
    assert auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert math.isnan(auc([0, 0, 0], [0.1, 0.2, 0.3]))


def test_ks_hand_worked() -> None:
    # positives at 0.6, 0.9; negatives at 0.1, 0.2, 0.7 -> max CDF gap 2/3 at score 0.2
    assert ks([0, 0, 1, 0, 1], [0.1, 0.2, 0.6, 0.7, 0.9]) == pytest.approx(2 / 3)
    assert ks([0, 1], [0.1, 0.9]) == 1.0


def test_brier_matches_sklearn() -> None:
    y = np.array([0, 1, 1, 0, 1])
    p = np.array([0.1, 0.8, 0.4, 0.3, 0.95])
    assert brier(y, p) == pytest.approx(brier_score_loss(y, p))


def test_psi_zero_for_same_distribution_and_large_for_shift() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=20_000)
    assert psi(base, base) == pytest.approx(0.0, abs=1e-12)
    assert psi(base, rng.normal(size=20_000)) < 0.01
    assert psi(base, rng.normal(1.0, 1.0, 20_000)) > 0.25


def test_psi_hand_worked_two_bins() -> None:
    # expected splits 50/50 at the median; actual puts 80% below it
    expected = np.array([0.0, 0.0, 1.0, 1.0])
    actual = np.array([0.0] * 8 + [1.0] * 2)
    value = psi(expected, actual, bins=2)
    assert value == pytest.approx(
        (0.8 - 0.5) * math.log(0.8 / 0.5) + (0.2 - 0.5) * math.log(0.2 / 0.5)
    )


def test_calibration_table_bins_cover_all_rows() -> None:
    rng = np.random.default_rng(1)
    p = rng.random(1000)
    y = rng.random(1000) < p
    table = calibration_table(y, p, bins=10)
    assert table.count.sum() == 1000
    assert np.all(np.diff(table.mean_predicted) > 0)
    assert np.max(np.abs(table.observed_rate - table.mean_predicted)) < 0.15


def test_score_report_keys_and_shape_check() -> None:
    report = score_report([0, 1, 0, 1], [0.2, 0.7, 0.4, 0.6])
    assert set(report) == {"auc", "ks", "brier", "base_rate", "n"}
    with pytest.raises(ValueError, match="same shape"):
        auc([0, 1], [0.5])
