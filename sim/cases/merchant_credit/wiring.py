"""Wiring of case 2: the scoring adapter, the warmed-up merchants and one model per mode.

The innovated mode's scoring adapter is chosen by ``merchant_credit.scoring.adapter`` (``sklearn``
trains the real pipeline on a simulated past cohort, ``fake`` uses the fixed logistic formula);
the traditional mode's counterfactual is the collateral rule inside the lending desk.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.model import CASE, MerchantCreditModel
from agents.merchant_credit.population import MerchantDrivers, build_drivers, generate_traits
from agents.merchant_credit.schema import MerchantCreditConfig
from sim.cases.base import CaseContext
from sim.cases.merchant_credit.kpis import MerchantCreditKpis
from sim.cases.merchant_credit.training import TrainedScorer, train_scorer, training_history

log = logging.getLogger(__name__)

Names = tuple[list[str], list[str]]


def category_and_region_names(cfg: MerchantCreditConfig) -> Names:
    """(category names, region names) in schema order (the feature encoding's levels)."""
    return list(cfg.population.categories), list(cfg.population.regions)


def build_scorer(ctx: CaseContext, names: Names) -> TrainedScorer:
    """Train (or build) the scoring adapter on the burn-in cohort."""
    cfg: MerchantCreditConfig = ctx.case
    features, labels = training_history(cfg, ctx.config.start, ctx.seeds, names)
    out_dir = ctx.recorder.artifact_path(f"{CASE}_model")
    return train_scorer(cfg, features, labels, ctx.seeds, out_dir)


def warmed_up_population(ctx: CaseContext, drivers: MerchantDrivers) -> MerchantPopulation:
    """The scenario's merchants after ``scoring.history_days`` without credit (history fills)."""
    cfg: MerchantCreditConfig = ctx.case
    history = cfg.scoring.history_days
    traits = generate_traits(
        cfg,
        cfg.merchants,
        ctx.seeds.generator("population", "traits"),
        ctx.seeds.generator("population", "property"),
    )
    pop = MerchantPopulation(cfg, traits, ctx.seeds.generator("population", "dynamics"), history)
    idle = np.zeros(traits.size, dtype=bool)
    for day in range(-history, 0):
        pop.step(day, drivers, idle)
    return pop


def run_drivers(ctx: CaseContext) -> MerchantDrivers:
    """Driver series from the warm-up's first day to the horizon."""
    cfg: MerchantCreditConfig = ctx.case
    history = cfg.scoring.history_days
    return build_drivers(cfg, ctx.config.start, -history, history + ctx.config.horizon_days)


def run_mode(
    ctx: CaseContext,
    mode: str,
    pop: MerchantPopulation,
    drivers: MerchantDrivers,
    trained: TrainedScorer,
    names: Names,
) -> MerchantCreditKpis:
    """Build one mode's model, subscribe the recorder and the collector, run it."""
    cfg: MerchantCreditConfig = ctx.case
    model = MerchantCreditModel(
        cfg,
        mode,
        pop,
        drivers,
        trained.scorer,
        ctx.config.calendar,
        ctx.config.start_datetime,
        ctx.seeds,
        names,
    )
    ctx.recorder.subscribe(model.bus, CASE, mode)
    kpis = MerchantCreditKpis(cfg.scoring.label_window_days)
    kpis.subscribe(model.bus)
    began = time.perf_counter()  # wall clock for the throughput log line only
    model.run(progress=ctx.progress)
    seconds = time.perf_counter() - began
    merchant_days = pop.size * model.calendar.days
    log.info(
        "%s/%s: %d merchant-days in %.2f s = %.0f merchant-days/s",
        CASE,
        mode,
        merchant_days,
        seconds,
        merchant_days / max(seconds, 1e-9),
    )
    log.info("%s/%s: %d accounts opened, %d defaulted", CASE, mode, kpis.opened, kpis.defaulted)
    tally = model.desk.tally
    log.info(
        "%s/%s: %d merchants scored in %d model calls, %.2f s in the model",
        CASE,
        mode,
        tally.rows,
        tally.calls,
        tally.seconds,
    )
    ctx.recorder.provenance(
        f"{CASE}.{mode}.throughput",
        {
            "merchant_days": merchant_days,
            "wall_time_s": round(seconds, 3),
            "model_calls": tally.calls,
            "rows_scored": tally.rows,
            "model_time_s": round(tally.seconds, 3),
        },
    )
    return kpis
