"""One behaviour suite for every scoring-port implementation (web3.py provider-test style).

The in-memory fake (fixed logistic formula), the real scikit-learn pipeline trained on a
twin-generated burn-in cohort, and the traditional collateral rule all map a frame of
merchant features to PDs under the same contract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents.merchant_credit.features import branch_features, platform_features
from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.population import build_drivers, generate_traits
from agents.merchant_credit.schema import MerchantCreditConfig
from products.credit.fake import LinearScorer
from products.credit.model import SklearnScorer
from products.credit.port import PLATFORM_CATEGORICAL, PLATFORM_NUMERIC, ScoringPort
from products.credit.rules import CollateralRule
from sim.cases.merchant_credit.training import training_history
from sim.kernel.errors import DataError
from sim.kernel.rng import SeedTree

CFG = MerchantCreditConfig.model_validate({"scoring": {"training_merchants": 800}})
NAMES = (list(CFG.population.categories), list(CFG.population.regions))
START = dt.date(2025, 1, 1)


@pytest.fixture(scope="module")
def applicants() -> pd.DataFrame:
    """Platform and branch features of 300 twin merchants after 90 days."""
    seeds = SeedTree(11)
    traits = generate_traits(CFG, 300, seeds.generator("traits"))
    pop = MerchantPopulation(CFG, traits, seeds.generator("dynamics"), 90)
    drivers = build_drivers(CFG, START, 0, 90)
    for day in range(90):
        pop.step(day, drivers, np.zeros(300, dtype=bool))
    idx = np.flatnonzero(pop.alive)
    return pd.concat(
        [platform_features(pop, idx, 89, *NAMES), branch_features(pop, idx, 89, drivers)], axis=1
    )


def _sklearn(tmp: Path) -> ScoringPort:
    features, labels = training_history(CFG, START, SeedTree(5), NAMES)
    model = SklearnScorer.fit(
        features, labels, list(PLATFORM_NUMERIC), list(PLATFORM_CATEGORICAL), "random_forest", 3
    )
    model.save(tmp)
    return SklearnScorer.load(tmp)  # the persisted model is what runs use


IMPLEMENTATIONS: dict[str, Callable[[Path], ScoringPort]] = {
    "fake": lambda tmp: LinearScorer(),
    "sklearn": _sklearn,
    "rules": lambda tmp: CollateralRule(),
}


@pytest.fixture(
    scope="module",
    params=[
        "fake",
        pytest.param("sklearn", marks=pytest.mark.model),
        "rules",
    ],
)
def scorer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ScoringPort:
    return IMPLEMENTATIONS[request.param](tmp_path_factory.mktemp(request.param))


def test_is_a_scoring_port(scorer: ScoringPort) -> None:
    assert isinstance(scorer, ScoringPort)
    assert len(scorer.feature_names) > 0


def test_one_probability_per_row(scorer: ScoringPort, applicants: pd.DataFrame) -> None:
    pd_ = scorer.score(applicants)
    assert pd_.shape == (len(applicants),)
    assert pd_.dtype == float and np.all(np.isfinite(pd_))
    assert np.all((pd_ >= 0) & (pd_ <= 1))


def test_deterministic(scorer: ScoringPort, applicants: pd.DataFrame) -> None:
    assert np.array_equal(scorer.score(applicants), scorer.score(applicants))


def test_rows_are_scored_independently(scorer: ScoringPort, applicants: pd.DataFrame) -> None:
    order = np.random.default_rng(0).permutation(len(applicants))
    shuffled = applicants.iloc[order].reset_index(drop=True)
    assert np.allclose(scorer.score(shuffled), scorer.score(applicants)[order])
    assert np.allclose(scorer.score(applicants.iloc[:7]), scorer.score(applicants)[:7])


def test_extra_and_reordered_columns_do_not_matter(
    scorer: ScoringPort, applicants: pd.DataFrame
) -> None:
    frame = applicants.loc[:, list(scorer.feature_names)[::-1]].assign(noise=1.0)
    assert np.allclose(scorer.score(frame), scorer.score(applicants))


def test_missing_column_is_a_data_error_naming_it(
    scorer: ScoringPort, applicants: pd.DataFrame
) -> None:
    dropped = scorer.feature_names[0]
    with pytest.raises(DataError, match=dropped):
        scorer.score(applicants.drop(columns=[dropped]))


def test_empty_frame_gives_empty_scores(scorer: ScoringPort, applicants: pd.DataFrame) -> None:
    assert scorer.score(applicants.iloc[:0]).shape == (0,)


def test_scores_discriminate(scorer: ScoringPort, applicants: pd.DataFrame) -> None:
    assert np.unique(scorer.score(applicants)).size > 1
