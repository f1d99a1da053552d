"""Case 2 at scale: blocked features, batch scores computed on first use, spare buffer days.

Each change must give the same numbers as computing everything at once, bit for bit.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from agents.merchant_credit import features
from agents.merchant_credit.desk import LendingDesk
from agents.merchant_credit.features import platform_features
from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.population import build_drivers, generate_traits
from agents.merchant_credit.schema import MerchantCreditConfig
from products.credit.book import RevolvingBook
from products.credit.fake import LinearScorer
from sim.kernel.rng import SeedTree

START = dt.date(2025, 1, 1)
_POP = MerchantCreditConfig().population
NAMES = (list(_POP.categories), list(_POP.regions))


def _warm(cfg: MerchantCreditConfig, n: int = 500, days: int = 100) -> MerchantPopulation:
    seeds = SeedTree(7)
    traits = generate_traits(cfg, n, seeds.generator("traits"))
    pop = MerchantPopulation(cfg, traits, seeds.generator("dynamics"), cfg.scoring.history_days)
    drivers = build_drivers(cfg, START, 0, days + 20)
    for day in range(days):
        pop.step(day, drivers, np.zeros(n, dtype=bool))
    return pop


def _step(pop: MerchantPopulation, first: int, days: int, cfg: MerchantCreditConfig) -> None:
    drivers = build_drivers(cfg, START, first, days)
    for day in range(first, first + days):
        pop.step(day, drivers, np.zeros(pop.size, dtype=bool))


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return list(a.columns) == list(b.columns) and all(
        np.array_equal(a[c].to_numpy(), b[c].to_numpy()) for c in a.columns
    )


def test_features_of_a_past_batch_day_equal_those_computed_that_day() -> None:
    cfg = MerchantCreditConfig()
    pop = _warm(cfg)
    idx = np.flatnonzero(pop.alive)
    then, at = platform_features(pop, idx, 100, *NAMES), pop.days_run
    late = cfg.scoring.rescore_days - 1
    _step(pop, 100, late, cfg)
    assert _frames_equal(platform_features(pop, idx, 100, *NAMES, days_run=at), then)
    _step(pop, 100 + late, 1, cfg)
    with pytest.raises(ValueError, match=f"days_run: {at} must be between {at + 1} and"):
        platform_features(pop, idx, 100, *NAMES, days_run=at)


def test_blocked_features_equal_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = MerchantCreditConfig()
    pop = _warm(cfg, n=301)
    idx = np.flatnonzero(pop.alive)
    whole = platform_features(pop, idx, 100, *NAMES)
    monkeypatch.setattr(features, "FEATURE_BLOCK", 37)
    assert _frames_equal(platform_features(pop, idx, 100, *NAMES), whole)


def test_spare_buffer_days_leave_the_monthly_sales_unchanged() -> None:
    spare = MerchantCreditConfig()
    tight = MerchantCreditConfig.model_validate({"scoring": {"rescore_days": 1}})
    a, b = _warm(spare, days=150), _warm(tight, days=150)
    assert a.capacity == b.capacity + spare.scoring.rescore_days - 1
    idx = np.flatnonzero(a.alive)
    assert np.array_equal(a.monthly_sales_cny(idx), b.monthly_sales_cny(idx))
    assert np.array_equal(a.sales_30d_cny, b.sales_30d_cny)
    assert _frames_equal(
        platform_features(a, idx, 150, *NAMES), platform_features(b, idx, 150, *NAMES)
    )


def test_batch_scores_used_days_later_equal_the_batch_scored_at_once() -> None:
    cfg = MerchantCreditConfig()
    pop = _warm(cfg)
    drivers = build_drivers(cfg, START, 0, 120)
    desk = LendingDesk(
        cfg, "innovated", LinearScorer(), pop, drivers, RevolvingBook(pop.size), NAMES, print
    )
    members = desk.refresh_scores(100)
    expected = LinearScorer().score(platform_features(pop, members, 100, *NAMES))
    _step(pop, 100, cfg.scoring.rescore_days - 1, cfg)
    rng = np.random.default_rng(3)
    for size in (1, 1, 2, 5, 40):
        pick = np.sort(rng.choice(members.size, size, replace=False))
        assert np.array_equal(desk.data_scores(members[pick]), expected[pick])
    assert np.array_equal(desk.data_scores(members), expected)
