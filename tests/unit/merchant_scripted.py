"""Scripted case-2 worlds for unit tests: a warmed-up population whose collateral the test sets,
run in traditional mode with a fixed scorer, every emitted event collected."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import numpy as np

from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.model import MerchantCreditModel
from agents.merchant_credit.population import build_drivers, generate_traits
from agents.merchant_credit.schema import MerchantCreditConfig
from products.credit.fake import LinearScorer
from sim.kernel.calendar import Calendar
from sim.kernel.events import Event
from sim.kernel.rng import SeedTree

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
WARM_UP = 30


def scripted_model(
    cfg: MerchantCreditConfig,
    seeds: SeedTree,
    n: int,
    *,
    days: int,
    months: int,
    collateral: Callable[[MerchantPopulation], np.ndarray],
) -> tuple[MerchantCreditModel, MerchantPopulation, list[Event]]:
    """``n`` merchants warmed up for :data:`WARM_UP` days, then given the property values
    ``collateral(pop)``, no mortgage and no statements; drivers cover ``days`` sim days."""
    traits = generate_traits(cfg, n, seeds.generator("traits"), seeds.generator("property"))
    pop = MerchantPopulation(cfg, traits, seeds.generator("dynamics"), WARM_UP)
    drivers = build_drivers(cfg, START.date(), -WARM_UP, WARM_UP + days)
    for day in range(-WARM_UP, 0):
        pop.step(day, drivers, np.zeros(n, dtype=bool))
    pop.traits = dataclasses.replace(
        traits,
        collateral_value_cny=collateral(pop),
        mortgage_cny=np.zeros(n),
        has_statements=np.zeros(n, dtype=bool),
    )
    names = (list(cfg.population.categories), list(cfg.population.regions))
    model = MerchantCreditModel(
        cfg,
        "traditional",
        pop,
        drivers,
        LinearScorer(),
        Calendar.build(START.date(), months),
        START,
        seeds.child("model"),
        names,
    )
    events: list[Event] = []
    model.bus.subscribe(events.append, Event)
    return model, pop, events
