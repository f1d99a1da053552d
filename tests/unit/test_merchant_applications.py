"""Who applies (case 2): discouraged borrowers and the re-application rule, scripted merchants."""

from __future__ import annotations

import numpy as np
from merchant_scripted import scripted_model

from agents.merchant_credit.events import Discouraged, Rejection
from agents.merchant_credit.model import MerchantCreditModel
from agents.merchant_credit.schema import MerchantCreditConfig
from sim.kernel.events import Event
from sim.kernel.rng import SeedTree

N = 30


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
    owner = np.arange(N) < N // 2
    model, _, events = scripted_model(
        cfg,
        SeedTree(11),
        N,
        days=200,
        months=6,
        collateral=lambda pop: np.where(owner, 1e7, 0.0),
    )
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
