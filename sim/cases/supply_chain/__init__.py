"""Case 1: supply-chain receivables on a ledger (innovated) vs the paper ledger (traditional).

Both modes run the same population and exogenous streams, drawn once from the case's seed tree
(common random numbers); :func:`run` is the entry point the runner calls. The first modes run
in forked worker processes (``supply_chain.mode_processes``; :mod:`sim.cases.parallel`),
recorded as if one after the other.
"""

from __future__ import annotations

from typing import Any

from agents.supply_chain import draw_population
from contracts import load_artifacts
from products.ledger.anvil import anvil_kept
from sim.cases.base import CaseContext
from sim.cases.parallel import run_modes
from sim.cases.supply_chain.kpis import CASE, GLOSSARY, SupplyChainKpis
from sim.cases.supply_chain.report import figures, record_claims
from sim.cases.supply_chain.wiring import run_mode


def run(ctx: CaseContext) -> None:
    """Run every configured mode of case 1 and record KPIs, claims and figures."""
    ctx.recorder.define(CASE, GLOSSARY)
    population = draw_population(ctx.case, ctx.seeds, ctx.config.horizon_days)
    on_chain = "innovated" in ctx.config.modes and ctx.case.ledger.adapter == "anvil"
    if on_chain:
        for name, artifact in load_artifacts().items():
            ctx.recorder.provenance(f"contract.{name}.bytecode_sha256", artifact.bytecode_hash)

    def run_and_record(
        mode_ctx: CaseContext, mode: str, _private: bool
    ) -> tuple[SupplyChainKpis, dict[str, Any]]:
        kpis = run_mode(mode_ctx, population, mode)  # the population is only read
        totals = kpis.totals()
        kpis.record(mode_ctx.recorder, mode, totals)
        return kpis, totals

    # a kept Anvil must outlive the run's process, so a run that keeps its chain stays serial
    processes = 1 if anvil_kept() else ctx.case.mode_processes
    results = run_modes(ctx, CASE, run_and_record, processes)
    record_claims(ctx.recorder, {mode: totals for mode, (_, totals) in results.items()})
    figures(ctx.recorder, {mode: kpis for mode, (kpis, _) in results.items()})


__all__ = ["CASE", "run"]
