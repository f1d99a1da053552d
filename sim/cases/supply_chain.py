"""Case 1 runner: supply-chain receivables on the chain (innovated) vs the paper ledger (traditional).

Both modes run the same population and exogenous streams (drawn once from the case's seed tree);
the innovated mode starts its own Anvil, deploys the contracts and stops it when done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from agents.supply_chain import CreditOfficers, Population, SupplyChainModel, draw_population
from contracts import load_artifacts
from products.ledger import LedgerPort, PaperLedger, Policy, derive_address
from products.ledger.chain import ChainLedger, chain_ledger
from products.ledger.paper import FRAUD_CATEGORIES
from sim.cases.base import CaseContext
from sim.cases.supply_chain_kpis import CASE, figures, mode_totals, record_claims, record_mode
from sim.config.supply_chain import SupplyChainConfig

log = logging.getLogger(__name__)
DAY_S = 86_400


def _policy(cfg: SupplyChainConfig) -> Policy:
    bank = cfg.bank
    return Policy(bank.max_tenor_days * DAY_S, bank.grace_days * DAY_S, bank.default_days * DAY_S,
                  round(bank.min_amount_cny * 100))  # fmt: skip


def _accounts(master_seed: int) -> Callable[[str, int, int], str]:
    def account(role: str, slot: int, generation: int) -> str:
        return derive_address(master_seed, CASE, role, str(slot), str(generation))

    return account


@contextmanager
def _ledger(ctx: CaseContext, mode: str, officers: CreditOfficers) -> Iterator[LedgerPort]:
    cfg: SupplyChainConfig = ctx.case
    admin = _accounts(ctx.config.seed)("admin", 0, 0)
    if mode == "innovated":
        with chain_ledger(
            admin, _policy(cfg), int(ctx.config.start_datetime.timestamp())
        ) as ledger:
            yield ledger
        return
    miss = dict.fromkeys(FRAUD_CATEGORIES, cfg.adversaries.paper_success)
    yield PaperLedger(admin, _policy(cfg), officers, miss, ctx.seeds.generator("paper", "clerks"))


def _run_mode(
    ctx: CaseContext, population: Population, mode: str
) -> tuple[SupplyChainModel, dict[str, Any]]:
    cfg: SupplyChainConfig = ctx.case
    officers = CreditOfficers(cfg.bank, {}, ctx.seeds.generator("paper", "review"))
    began = time.perf_counter()

    def sink(
        t_hours: float, kind: str, agent: str | None, amount: float | None, detail: dict[str, Any]
    ) -> None:
        ctx.recorder.event(CASE, mode, t_hours, kind, agent, amount, **detail)

    with _ledger(ctx, mode, officers) as ledger:
        model = SupplyChainModel(cfg, population, ledger, _accounts(ctx.config.seed), ctx.config.start_datetime,
                                 ctx.config.horizon_hours, ctx.seeds, mode, sink,
                                 core_line=mode == "innovated")  # fmt: skip
        officers.suppliers = model.by_address
        model.run(progress=ctx.progress)
        totals = mode_totals(model)
        if isinstance(ledger, ChainLedger):
            totals["blocks"] = ledger.blocks
    wall_time_s = round(time.perf_counter() - began, 3)
    ctx.recorder.provenance(f"{CASE}.{mode}.wall_time_s", wall_time_s)
    log.info("supply_chain/%s: %d ledger ops in %.1f s", mode, totals["tx_count"], wall_time_s)
    return model, totals


def run(ctx: CaseContext) -> None:
    """Run every configured mode of case 1 and record KPIs, claims and figures."""
    population = draw_population(ctx.case, ctx.seeds, ctx.config.horizon_days)
    if "innovated" in ctx.config.modes:
        for name, artifact in load_artifacts().items():
            ctx.recorder.provenance(f"contract.{name}.bytecode_sha256", artifact.bytecode_hash)
    models: dict[str, SupplyChainModel] = {}
    totals: dict[str, dict[str, Any]] = {}
    for mode in ctx.config.modes:
        models[mode], totals[mode] = _run_mode(ctx, population, mode)
        record_mode(ctx.recorder, mode, models[mode], totals[mode])
    record_claims(ctx.recorder, totals)
    figures(ctx.recorder, models)
