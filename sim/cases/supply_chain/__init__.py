"""Case 1: supply-chain receivables on a ledger (innovated) vs the paper ledger (traditional).

Both modes run the same population and exogenous streams, drawn once from the case's seed tree
(common random numbers); :func:`run` is the entry point the runner calls.
"""

from __future__ import annotations

from typing import Any

from agents.supply_chain import draw_population
from contracts import load_artifacts
from sim.cases.base import CaseContext
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
    kpis: dict[str, SupplyChainKpis] = {}
    totals: dict[str, dict[str, Any]] = {}
    for mode in ctx.config.modes:
        kpis[mode] = run_mode(ctx, population, mode)
        totals[mode] = kpis[mode].totals()
        kpis[mode].record(ctx.recorder, mode, totals[mode])
    record_claims(ctx.recorder, totals)
    figures(ctx.recorder, kpis)


__all__ = ["CASE", "run"]
