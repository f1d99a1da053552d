"""Case 2 — data-driven merchant revolving credit vs collateral lending (entry point ``run``).

1. Simulate a past merchant cohort and train the scoring pipeline on it (burn-in history).
2. Generate the scenario's merchants once and warm them up (observable history fills).
3. Run each mode on its own copy of the same merchants and the same random streams (the last
   mode on the original, so that at most two populations are held at once), driven
   by the SimPy/Mesa clock one business day at a time, re-rating at each month end. The first
   modes run in forked worker processes (``mode_processes``; :mod:`sim.cases.parallel`), recorded as
   if one after the other.
4. Record KPI series, totals, the article's claims, figures and the model's provenance.
"""

from __future__ import annotations

from sim.cases.base import CaseContext
from sim.cases.merchant_credit.kpis import GLOSSARY, MerchantCreditKpis
from sim.cases.merchant_credit.report import (
    CASE,
    record_claims,
    record_drivers,
    record_mode,
    record_model,
)
from sim.cases.merchant_credit.wiring import (
    build_scorer,
    category_and_region_names,
    run_drivers,
    run_mode,
    warmed_up_population,
)
from sim.cases.parallel import run_modes


def run(ctx: CaseContext) -> None:
    """Run every configured mode of the merchant-credit case and record the results."""
    ctx.recorder.define(CASE, GLOSSARY)
    names = category_and_region_names(ctx.case)
    trained = build_scorer(ctx, names)
    record_model(ctx, trained)
    drivers = run_drivers(ctx)
    record_drivers(ctx, drivers, names)
    base = warmed_up_population(ctx, drivers)

    def run_and_record(mode_ctx: CaseContext, mode: str, private: bool) -> MerchantCreditKpis:
        # a mode changes its merchants: the last one here (or one alone in a worker, on its
        # copy-on-write pages) takes the original, the others a copy
        pop = base if private else base.copy()
        kpis = run_mode(mode_ctx, mode, pop, drivers, trained, names)
        record_mode(mode_ctx, mode, kpis, trained)
        return kpis

    modes = run_modes(ctx, CASE, run_and_record, ctx.case.mode_processes)
    record_claims(ctx, modes)


__all__ = ["run"]
