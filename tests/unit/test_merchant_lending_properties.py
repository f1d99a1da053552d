"""Invariants of the merchant-credit loop under random product terms (fake scorer, hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.model import MerchantCreditModel
from agents.merchant_credit.population import build_drivers, generate_traits
from agents.merchant_credit.schema import MerchantCreditConfig
from products.credit.fake import LinearScorer
from sim.cases.merchant_credit.kpis import MerchantCreditKpis
from sim.kernel.calendar import Calendar
from sim.kernel.rng import SeedTree

DAYS = 75


def _sim(cfg: MerchantCreditConfig, mode: str, seed: int) -> MerchantCreditModel:
    seeds = SeedTree(seed)
    traits = generate_traits(cfg, 150, seeds.generator("traits"))
    pop = MerchantPopulation(cfg, traits, seeds.generator("dynamics"), 30)
    drivers = build_drivers(cfg, dt.date(2025, 1, 1), -30, 30 + DAYS)
    for day in range(-30, 0):
        pop.step(day, drivers, np.zeros(150, dtype=bool))
    names = (list(cfg.population.categories), list(cfg.population.regions))
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    calendar = Calendar.build(start.date(), 3)
    return MerchantCreditModel(
        cfg, mode, pop, drivers, LinearScorer(), calendar, start, seeds.child("b"), names
    )


terms = st.fixed_dictionaries(
    {
        "innovated": st.fixed_dictionaries(
            {
                "pd_cutoff": st.floats(0.02, 0.5),
                "limit_sales_months": st.floats(0.2, 6),
                "max_limit_cny": st.floats(20_000, 400_000),
                "max_raise_factor": st.floats(1, 3),
                "freeze_pd": st.just(0.9),
            }
        ),
        "traditional": st.fixed_dictionaries(
            {"ltv": st.floats(0.1, 1), "decision_days": st.integers(0, 20)}
        ),
        "behaviour": st.fixed_dictionaries(
            {
                "apply_probability_per_day": st.floats(0.05, 1),
                "consent_probability": st.floats(0, 1),
            }
        ),
        "ledger": st.fixed_dictionaries(
            {"min_principal_share": st.floats(0, 1), "npl_dpd": st.integers(5, 40)}
        ),
    }
)


@settings(max_examples=12, deadline=None)
@given(terms, st.sampled_from(["innovated", "traditional"]), st.integers(0, 10_000))
def test_balances_limits_and_draws_stay_within_bounds(
    overrides: dict, mode: str, seed: int
) -> None:
    overrides["ledger"]["write_off_dpd"] = overrides["ledger"]["npl_dpd"] + 30
    overrides["scoring"] = {"history_days": 30, "rescore_days": 3}
    cfg = MerchantCreditConfig.model_validate(overrides)
    sim = _sim(cfg, mode, seed)
    kpis = MerchantCreditKpis(cfg.scoring.label_window_days)
    kpis.subscribe(sim.bus)
    sim.announce()
    book, draws = sim.book, []
    real_draw = book.draw

    def checked_draw(requested: np.ndarray) -> np.ndarray:
        headroom = book.available_fen()
        drawn = real_draw(requested)
        took = drawn > 0
        within = np.all(drawn <= headroom) and np.all(
            book.principal_fen[took] <= book.limit_fen[took]
        )
        draws.append(bool(within))
        return drawn

    book.draw = checked_draw  # type: ignore[method-assign]
    cap = max(cfg.innovated.max_limit_cny, cfg.traditional.max_limit_cny) * 100
    for day in range(DAYS):
        sim.business_day(day)
        if day % 30 == 29:
            sim.month_end(day)
        assert np.all(book.principal_fen >= 0) and np.all(book.interest_fen >= 0)
        assert np.all(book.limit_fen <= cap)
        assert np.all(book.owed_fen[~book.live] == 0)
    assert all(draws)
    assert kpis.month.decisions >= kpis.month.approvals >= 0
