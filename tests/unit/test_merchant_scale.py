"""Case 2 at scale: blocked features, batch scores computed on first use, spare buffer days.

Each change must give the same numbers as computing everything at once, bit for bit.
"""

import datetime as dt
import warnings

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


def _numpy_reference(pop: MerchantPopulation, idx: np.ndarray) -> dict[str, np.ndarray]:
    """The features as numpy's mean / std / nanmean of float64 windows give them (the formulas
    before the one-gather, fewer-pass version)."""
    window, at = pop.history_days, pop.days_run

    def recent(buffer: np.ndarray) -> np.ndarray:
        n_days = min(window, at, buffer.shape[0])
        slots = (at - 1 - np.arange(n_days)) % buffer.shape[0]
        return buffer[np.ix_(slots, idx)].astype(float)

    sales = recent(pop.sales)
    days = max(sales.shape[0], 1)
    sales_90 = sales.sum(axis=0) * window / days
    sales_30 = sales[:30].sum(axis=0) * 30 / min(days, 30)
    refunds = recent(pop.refunds).sum(axis=0)
    mean_daily = sales.mean(axis=0) if sales.size else np.zeros(idx.size)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cv = np.where(mean_daily > 0, sales.std(axis=0) / mean_daily, 0.0)
        rating = np.nanmean(recent(pop.rating), axis=0)
        turnover = recent(pop.turnover).mean(axis=0)
        return {
            "log_sales_30d": np.log1p(sales_30),
            "log_sales_90d": np.log1p(sales_90),
            "sales_growth": np.where(sales_90 > 0, sales_30 * window / 30 / sales_90 - 1, -1.0),
            "sales_cv_90d": cv,
            "rating_90d": np.nan_to_num(rating, nan=0.0),
            "refund_rate_90d": np.where(sales_90 > 0, refunds * window / days / sales_90, 0.0),
            "inventory_turnover": turnover,
            "orders_per_day": sales_90 / window / pop.traits.avg_ticket_cny[idx],
        }


def test_features_equal_numpys_float64_mean_std_and_nanmean() -> None:
    cfg = MerchantCreditConfig()
    pop = _warm(cfg, n=400, days=0)
    rng = np.random.default_rng(11)
    drivers = build_drivers(cfg, START, 0, 130)
    for day in range(130):
        if day in (0, 1, 2, 29, 30, 31, 89, 90, 91, 96, 97, 129):
            for size in (1, 2, 3, 64, pop.size):
                idx = np.sort(rng.choice(pop.size, size, replace=False))
                frame = platform_features(pop, idx, day, *NAMES)
                for name, expected in _numpy_reference(pop, idx).items():
                    got = frame[name].to_numpy()
                    assert np.array_equal(got, expected, equal_nan=True), (day, size, name)
        pop.step(day, drivers, np.zeros(pop.size, dtype=bool))
    assert not pop.alive.all()  # dead merchants' NaN ratings were in the windows
