"""Who applies (case 2): discouraged borrowers and the re-application rule, scripted merchants."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from agents.merchant_credit.events import Discouraged, Rejection
from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.model import MerchantCreditModel
from agents.merchant_credit.population import build_drivers, generate_traits
from agents.merchant_credit.schema import MerchantCreditConfig
from products.credit.fake import LinearScorer
from sim.kernel.calendar import Calendar
from sim.kernel.events import Event
from sim.kernel.rng import SeedTree

N, WARM_UP = 30, 30
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def _model(knows: float, learn: bool) -> tuple[MerchantCreditModel, list[Event]]:
    """Traditional mode; the first half can pledge property, the second half has nothing the
    branch lends on (no property, no statements), so the rule rejects it."""
    cfg = MerchantCreditConfig.model_validate(
        {
            "merchants": 50,
            "traditional": {"decision_days": 0, "min_limit_cny": 1_000},
            "behaviour": {"knows_outcome_probability": knows, "rejected_learn": learn},
        }
    )
    seeds = SeedTree(11)
    traits = generate_traits(cfg, N, seeds.generator("traits"), seeds.generator("property"))
    pop = MerchantPopulation(cfg, traits, seeds.generator("dynamics"), WARM_UP)
    drivers = build_drivers(cfg, START.date(), -WARM_UP, WARM_UP + 200)
    for day in range(-WARM_UP, 0):
        pop.step(day, drivers, np.zeros(N, dtype=bool))
    owner = np.arange(N) < N // 2
    pop.traits = dataclasses.replace(
        traits,
        collateral_value_cny=np.where(owner, 1e7, 0.0),
        mortgage_cny=np.zeros(N),
        has_statements=np.zeros(N, dtype=bool),
    )
    names = (list(cfg.population.categories), list(cfg.population.regions))
    model = MerchantCreditModel(
        cfg,
        "traditional",
        pop,
        drivers,
        LinearScorer(),
        Calendar.build(START.date(), 6),
        START,
        seeds.child("model"),
        names,
    )
    events: list[Event] = []
    model.bus.subscribe(events.append, Event)
    return model, events


def test_a_merchant_who_knows_it_would_be_rejected_does_not_apply() -> None:
    model, _ = _model(knows=1.0, learn=True)
    idx = np.flatnonzero(model.population.alive)
    would = model.desk.would_approve(0, idx)
    assert would.tolist() == (idx < N // 2).tolist()
    applies = model.population.apply(0, idx, would)
    assert applies.tolist() == would.tolist()  # the unsecured stay away
    uninformed, _ = _model(knows=0.0, learn=True)
    assert uninformed.population.apply(0, idx, would).all()  # nobody knows: everyone applies


def test_a_rejected_merchant_learns_and_reapplies_only_when_it_would_pass() -> None:
    for learn in (True, False):
        model, events = _model(knows=0.0, learn=learn)
        pop, desk = model.population, model.desk
        idx = np.flatnonzero(pop.alive & (np.arange(N) >= N // 2))
        desk.receive(0, idx)
        desk.decide(0)
        assert sum(isinstance(e, Rejection) for e in events) == idx.size
        later = 0 + model.cfg.behaviour.reapply_after_days
        applies = pop.apply(later, idx, desk.would_approve(later, idx))
        assert applies.all() == (not learn)  # blind re-application only without learning
        assert applies.any() == (not learn)


def test_discouraged_merchants_are_recorded_in_the_day_loop() -> None:
    model, events = _model(knows=1.0, learn=True)
    model.population.cash_cny[:] = -1.0  # everyone short of cash
    for day in range(60):
        model.business_day(day)
    discouraged = {e.agent for e in events if isinstance(e, Discouraged)}
    assert discouraged and all(i >= N // 2 for i in discouraged)
