"""Case 1 wiring, per mode: the ledger adapter, the model, the recorder and the KPI collectors.

The innovated mode runs on ``supply_chain.ledger.adapter``: ``anvil`` starts its own Anvil,
deploys the contracts and stops it when done; ``revm`` runs the same contracts through the same
chain adapter on an in-process EVM; ``fake`` is the in-memory reference ledger. The traditional
mode always runs the paper ledger with the bank's credit desk.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from agents.supply_chain import CreditDesk, Population, SupplyChainConfig, SupplyChainModel
from products.ledger import FakeLedger, LedgerPort, PaperLedger, derive_address
from products.ledger.anvil import anvil_kept
from products.ledger.chain import ChainLedger, chain_ledger
from products.ledger.paper import FRAUD_CATEGORIES
from products.ledger.revm_rpc import revm_ledger
from sim.cases.base import CaseContext
from sim.cases.supply_chain.kpis import CASE, SupplyChainKpis
from sim.kernel.events import EventBus

log = logging.getLogger(__name__)


def accounts(master_seed: int) -> Callable[[str, int, int], str]:
    """The case's address factory ``(role, slot, generation) -> address``."""

    def account(role: str, slot: int, generation: int) -> str:
        return derive_address(master_seed, CASE, role, str(slot), str(generation))

    return account


@contextmanager
def _ledger(ctx: CaseContext, mode: str, desk: CreditDesk) -> Iterator[LedgerPort]:
    cfg: SupplyChainConfig = ctx.case
    admin = accounts(ctx.config.seed)("admin", 0, 0)
    policy = cfg.bank.ledger_policy()
    if mode == "traditional":
        miss = dict.fromkeys(FRAUD_CATEGORIES, cfg.adversaries.paper_success)
        yield PaperLedger(admin, policy, desk, miss, ctx.seeds.generator("paper", "clerks"))
    elif cfg.ledger.adapter == "fake":
        yield FakeLedger(admin, policy)
    else:
        start_s = int(ctx.config.start_datetime.timestamp())
        chain = revm_ledger if cfg.ledger.adapter == "revm" else chain_ledger
        with chain(admin, policy, start_s) as ledger:
            if anvil_kept() and cfg.ledger.adapter == "anvil":
                ctx.recorder.provenance(f"{CASE}.{mode}.chain_url", ledger.rpc.url)
                ctx.recorder.provenance(f"{CASE}.{mode}.ledger_address", ledger.ledger_address)
            yield ledger


def run_mode(ctx: CaseContext, population: Population, mode: str) -> SupplyChainKpis:
    """Run one mode; the returned collector holds its KPIs (``totals`` adds ``blocks``)."""
    cfg: SupplyChainConfig = ctx.case
    bus = EventBus()
    ctx.recorder.subscribe(bus, CASE, mode)
    kpis = SupplyChainKpis(ctx.config.calendar, cfg.population.tier2_count)
    kpis.subscribe(bus)
    desk = CreditDesk(cfg.bank, ctx.seeds.generator("paper", "review"))
    began = time.perf_counter()
    with _ledger(ctx, mode, desk) as ledger:
        model = SupplyChainModel(
            cfg,
            population,
            ledger,
            accounts(ctx.config.seed),
            ctx.config.start_datetime,
            ctx.config.horizon_hours,
            ctx.seeds,
            mode,
            desk=desk,
            core_line=mode == "innovated",
            bus=bus,
        )
        model.run(progress=ctx.progress)
        blocks = ledger.blocks if isinstance(ledger, ChainLedger) else None
    wall_time_s = round(time.perf_counter() - began, 3)
    ctx.recorder.provenance(f"{CASE}.{mode}.wall_time_s", wall_time_s)
    log.info("supply_chain/%s: %d ledger ops in %.1f s", mode, kpis.tx_count, wall_time_s)
    kpis.blocks = blocks
    return kpis


__all__ = ["accounts", "run_mode"]
