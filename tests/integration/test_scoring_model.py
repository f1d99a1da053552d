"""The real scikit-learn scoring pipeline on the twin's own burn-in data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents.merchant_credit.schema import MerchantCreditConfig
from products.credit.model import ESTIMATORS, MODEL_FILE, SIDECAR_FILE, SklearnScorer
from products.credit.port import PLATFORM_CATEGORICAL, PLATFORM_NUMERIC
from sim.cases.merchant_credit.training import train_scorer, training_history
from sim.kernel.errors import DataError
from sim.kernel.rng import SeedTree

pytestmark = pytest.mark.model

START = dt.date(2025, 1, 1)


@pytest.fixture(scope="module")
def cohort() -> tuple[MerchantCreditConfig, pd.DataFrame, np.ndarray]:
    cfg = MerchantCreditConfig.model_validate({"scoring": {"training_merchants": 2500}})
    names = (list(cfg.population.categories), list(cfg.population.regions))
    features, labels = training_history(cfg, START, SeedTree(42), names)
    return cfg, features, labels


def test_cohort_has_no_latent_columns_and_realistic_default_rate(cohort) -> None:
    _, features, labels = cohort
    assert list(features.columns) == [*PLATFORM_NUMERIC, *PLATFORM_CATEGORICAL]
    assert 0.03 < labels.mean() < 0.2  # CALIBRATION: firm exit ≈ 6–9%/yr


@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_held_out_metrics_beat_chance_and_a_constant(
    cohort, estimator: str, tmp_path: Path
) -> None:
    cfg, features, labels = cohort
    cfg = cfg.model_copy(
        update={"scoring": cfg.scoring.model_copy(update={"estimator": estimator})}
    )
    trained = train_scorer(cfg, features, labels, SeedTree(1), tmp_path)
    report = trained.holdout
    assert report["auc"] > 0.65, report
    assert report["ks"] > 0.2, report
    base = report["base_rate"]
    # calibrated: right on average, and no worse than an oracle constant by more than 5%
    assert abs(trained.holdout_scores.mean() - base) < 0.03, report
    assert report["brier"] < 1.05 * base * (1 - base), report
    assert trained.calibration.count.sum() == report["n"]
    assert (tmp_path / MODEL_FILE).is_file() and trained.sha256 is not None


def test_save_load_round_trip_and_tamper_check(cohort, tmp_path: Path) -> None:
    _, features, labels = cohort
    model = SklearnScorer.fit(
        features,
        labels,
        list(PLATFORM_NUMERIC),
        list(PLATFORM_CATEGORICAL),
        "logistic_regression",
        0,
    )
    saved = model.save(tmp_path)
    sidecar = json.loads((tmp_path / SIDECAR_FILE).read_text())
    assert sidecar["sha256"] == saved.sha256
    assert sidecar["schema"]["numeric"] == list(PLATFORM_NUMERIC)
    assert set(sidecar["schema"]["categorical"]["category"]) == set(features["category"])
    loaded = SklearnScorer.load(tmp_path)
    assert np.array_equal(loaded.score(features), model.score(features))
    with (tmp_path / MODEL_FILE).open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(DataError, match="does not match"):
        SklearnScorer.load(tmp_path)
    with pytest.raises(DataError, match="does not exist"):
        SklearnScorer.load(tmp_path / "nowhere")


def test_unseen_category_level_is_scored(cohort) -> None:
    _, features, labels = cohort
    model = SklearnScorer.fit(
        features,
        labels,
        list(PLATFORM_NUMERIC),
        list(PLATFORM_CATEGORICAL),
        "logistic_regression",
        0,
    )
    novel = features.iloc[:5].assign(category="pets")
    assert np.all(np.isfinite(model.score(novel)))


def test_same_seed_same_model_scores(cohort) -> None:
    _, features, labels = cohort
    fit = lambda: SklearnScorer.fit(  # noqa: E731
        features, labels, list(PLATFORM_NUMERIC), list(PLATFORM_CATEGORICAL), "random_forest", 9
    )
    assert np.array_equal(fit().score(features), fit().score(features))
