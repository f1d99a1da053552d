"""Merchant population: determinism, common random numbers, seasonality, shocks, no leakage."""

import datetime as dt

import numpy as np
import pytest

from agents.merchant_credit.features import branch_features, platform_features
from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.population import build_drivers, generate_traits, national_season
from agents.merchant_credit.schema import MerchantCreditConfig, SeasonalityConfig
from products.credit.port import COLLATERAL_FEATURES, PLATFORM_CATEGORICAL, PLATFORM_NUMERIC
from sim.kernel.rng import SeedTree

START = dt.date(2025, 1, 1)


def _population(cfg: MerchantCreditConfig, n: int = 400, seed: int = 1) -> MerchantPopulation:
    seeds = SeedTree(seed)
    traits = generate_traits(cfg, n, seeds.generator("traits"))
    return MerchantPopulation(cfg, traits, seeds.generator("dynamics"), 90)


def _run(
    pop: MerchantPopulation, cfg: MerchantCreditConfig, days: int, credit: bool = False
) -> np.ndarray:
    drivers = build_drivers(cfg, START, 0, days)
    access = np.full(pop.size, credit)
    return np.array([pop.step(day, drivers, access) for day in range(days)])


def test_same_seed_same_path_and_copies_share_streams() -> None:
    cfg = MerchantCreditConfig()
    a, b = _population(cfg), _population(cfg)
    twin = a.copy()
    sales_a, sales_b, sales_twin = _run(a, cfg, 60), _run(b, cfg, 60), _run(twin, cfg, 60)
    assert np.array_equal(sales_a, sales_b) and np.array_equal(sales_a, sales_twin)
    assert np.array_equal(a.cash_cny, twin.cash_cny)
    other = _population(cfg, seed=2)
    assert not np.array_equal(sales_a, _run(other, cfg, 60))


def test_credit_access_lifts_sales_but_not_the_random_streams() -> None:
    cfg = MerchantCreditConfig()
    base, lifted = _population(cfg), _population(cfg)
    s0, s1 = _run(base, cfg, 30), _run(lifted, cfg, 30, credit=True)
    alive = (s0 > 0) & (s1 > 0)
    ratio = s1[alive] / s0[alive]
    assert ratio == pytest.approx(np.full(ratio.size, 1 + cfg.behaviour.credit_sales_uplift))
    assert np.array_equal(base.health, lifted.health)


def test_november_averages_the_configured_factor_with_a_singles_day_peak() -> None:
    cfg = SeasonalityConfig()
    november = [dt.date(2025, 11, d) for d in range(1, 31)]
    season = national_season(november, cfg)
    assert season.mean() == pytest.approx(cfg.month_factors[10])
    assert season[10] == cfg.singles_day_peak_factor and season.argmax() == 10


def test_traffic_shock_cuts_sales_only_inside_its_window() -> None:
    shocked_cfg = MerchantCreditConfig.model_validate(
        {"shocks": {"platform_traffic": [{"start_day": 10, "end_day": 20, "magnitude": -0.5}]}}
    )
    cfg = MerchantCreditConfig()
    calm, hit = _population(cfg), _population(shocked_cfg)
    s_calm, s_hit = _run(calm, cfg, 10), _run(hit, shocked_cfg, 10)
    assert np.array_equal(s_calm, s_hit)
    d_calm, d_hit = build_drivers(cfg, START, 0, 30), build_drivers(shocked_cfg, START, 0, 30)
    assert d_hit.traffic[15] == 0.5 and d_calm.traffic[15] == 1.0 and d_hit.traffic[25] == 1.0
    assert np.all(d_hit.health_shift[15] < 0) and np.all(d_calm.health_shift == 0)


def test_property_index_follows_drift_and_shock() -> None:
    cfg = MerchantCreditConfig.model_validate(
        {"shocks": {"property_price": [{"start_day": 100, "end_day": 200, "magnitude": -0.2}]}}
    )
    drivers = build_drivers(cfg, START, 0, 400)
    drift = np.array([r.property_annual_change for r in cfg.population.regions.values()])
    assert drivers.property_index[365] == pytest.approx(1 + drift)
    assert drivers.property_index[150] == pytest.approx(0.8 * (1 + drift) ** (150 / 365))


def test_failures_happen_and_are_final() -> None:
    cfg = MerchantCreditConfig()
    pop = _population(cfg, n=2000)
    sales = _run(pop, cfg, 365)
    failed = ~pop.alive
    assert 0.02 < failed.mean() < 0.3
    after = sales[-1, failed]
    assert np.all(after == 0)


def test_features_are_observable_columns_only() -> None:
    cfg = MerchantCreditConfig()
    pop = _population(cfg)
    _run(pop, cfg, 90)
    idx = np.flatnonzero(pop.alive)
    names = (list(cfg.population.categories), list(cfg.population.regions))
    platform = platform_features(pop, idx, 90, *names)
    assert list(platform.columns) == [*PLATFORM_NUMERIC, *PLATFORM_CATEGORICAL]
    assert not platform.isna().any().any() and len(platform) == idx.size
    branch = branch_features(pop, idx, 89, build_drivers(cfg, START, 0, 90))
    assert list(branch.columns) == list(COLLATERAL_FEATURES)
    # latent health must not be recoverable exactly from any single feature
    for column in PLATFORM_NUMERIC:
        corr = np.corrcoef(platform[column], pop.health[idx])[0, 1]
        assert abs(corr) < 0.95, column
