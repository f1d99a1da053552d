"""Case 2 — data-driven merchant revolving credit vs collateral lending (entry point ``run``).

1. Simulate a past merchant cohort and train the scoring pipeline on it (burn-in history).
2. Generate the scenario's merchants once and warm them up (observable history fills).
3. Run each mode on its own copy of the same merchants and the same random streams, driven
   by the SimPy/Mesa clock one business day at a time, re-rating at each month end.
4. Record KPI series, totals, the article's claims, figures and the model's provenance.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from agents.merchant_drivers import MerchantDrivers, build_drivers
from agents.merchants import MerchantPopulation, generate_traits
from products.credit.lending import DataDrivenPolicy
from products.credit.port import ScoringPort
from products.credit.rules import CollateralRule
from sim.cases.base import CaseContext
from sim.cases.merchant_credit_month import month_end
from sim.cases.merchant_credit_report import (
    record_claims,
    record_drivers,
    record_mode,
    record_model,
)
from sim.cases.merchant_credit_sim import Desk, LendingSim
from sim.cases.merchant_credit_training import train_scorer, training_history
from sim.config.merchant_credit import MerchantCreditConfig
from sim.kernel.calendar import HOURS_PER_DAY, month_end_days
from sim.kernel.clock import TwinModel

log = logging.getLogger(__name__)

CASE = "merchant_credit"


def make_desk(cfg: MerchantCreditConfig, scorer: ScoringPort) -> Desk:
    """Scorer, traditional rule and data-driven policy from the config."""
    t, i = cfg.traditional, cfg.innovated
    rule = CollateralRule(
        ltv=t.ltv,
        revenue_share=t.revenue_share,
        min_margin=t.min_margin,
        unsecured_min_margin=t.unsecured_min_margin,
        unsecured_revenue_share=t.unsecured_revenue_share,
        pd_grade=t.pd_grade,
    )
    policy = DataDrivenPolicy(
        pd_cutoff=i.pd_cutoff,
        limit_sales_months=i.limit_sales_months,
        limit_pd_haircut=i.limit_pd_haircut,
        min_limit_cny=i.min_limit_cny,
        max_limit_cny=i.max_limit_cny,
        base_rate_daily_bps=i.base_rate_daily_bps,
        risk_spread_daily_bps_per_pd=i.risk_spread_daily_bps_per_pd,
        freeze_pd=i.freeze_pd,
        max_raise_factor=i.max_raise_factor,
    )
    return Desk(scorer, rule, policy)


def run(ctx: CaseContext) -> None:
    """Run every configured mode of the merchant-credit case and record the results."""
    cfg: MerchantCreditConfig = ctx.case
    start, horizon_days = ctx.config.start, ctx.config.horizon_days
    names = (list(cfg.population.categories), list(cfg.population.regions))
    features, labels = training_history(cfg, start, ctx.seeds, names)
    trained = train_scorer(
        cfg, features, labels, ctx.seeds, ctx.recorder.artifact_path(f"{CASE}_model")
    )
    record_model(ctx, trained)
    history = cfg.scoring.history_days
    drivers = build_drivers(cfg, start, -history, history + horizon_days)
    record_drivers(ctx, drivers, names)
    traits = generate_traits(cfg, cfg.merchants, ctx.seeds.generator("population", "traits"))
    base = MerchantPopulation(cfg, traits, ctx.seeds.generator("population", "dynamics"), history)
    idle = np.zeros(traits.size, dtype=bool)
    for day in range(-history, 0):
        base.step(day, drivers, idle)
    desk = make_desk(cfg, trained.scorer)
    sims: dict[str, LendingSim] = {}
    for mode in ctx.config.modes:
        sims[mode] = _run_mode(ctx, mode, base.copy(), drivers, desk, names, horizon_days)
        record_mode(ctx, mode, sims[mode], trained)
    record_claims(ctx, sims)


def _run_mode(
    ctx: CaseContext,
    mode: str,
    pop: MerchantPopulation,
    drivers: MerchantDrivers,
    desk: Desk,
    names: tuple[list[str], list[str]],
    horizon_days: int,
) -> LendingSim:
    def event(day: int, kind: str, agent: int, amount: float, **detail: object) -> None:
        ctx.recorder.event(CASE, mode, day * HOURS_PER_DAY, kind, agent, amount, **detail)

    rng = ctx.seeds.generator("behaviour")
    sim = LendingSim(mode, ctx.case, pop, drivers, desk, rng, names, event)
    model = TwinModel(
        ctx.config.start_datetime,
        horizon_days * HOURS_PER_DAY,
        ctx.seeds.child(mode),
        f"{CASE}/{mode}",
    )
    ends = set(month_end_days(ctx.config.start, ctx.config.months))
    sim.kpis.begin_month(sim.book, pop.alive)

    def business_day() -> None:
        day = model.day
        sim.step(day)
        if day in ends:
            month_end(sim, day)
            sim.kpis.close_month(sim.book, day)
            sim.kpis.begin_month(sim.book, pop.alive)

    model.every(HOURS_PER_DAY, business_day, offset_hours=HOURS_PER_DAY - 1)
    began = time.perf_counter()  # wall clock for the throughput log line only
    model.run(progress=ctx.progress)
    seconds = time.perf_counter() - began
    merchant_days = pop.size * horizon_days
    log.info(
        "%s/%s: %d merchant-days in %.2f s = %.0f merchant-days/s",
        CASE,
        mode,
        merchant_days,
        seconds,
        merchant_days / max(seconds, 1e-9),
    )
    log.info(
        "%s/%s: %d accounts opened, %d defaulted", CASE, mode, sim.kpis.opened, sim.kpis.defaulted
    )
    return sim
