"""Running tallies of one case-1 mode; turned into KPIs by ``sim.cases.supply_chain_kpis``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from agents.supply_chain.actors import DAY_S, Holding, Supplier
from products.ledger import OpResult

if TYPE_CHECKING:
    from agents.supply_chain.economy import SupplyChainModel


@dataclass
class Financing:
    """One successful financing: who, when, how long it took and what it cost."""

    tier: int
    slot: int
    month: int
    cycle_hours: float
    face_fen: int
    payout_fen: int
    annual_cost: float


@dataclass
class CaseStats:
    """Tallies for KPIs; ``months`` sizes the monthly arrays."""

    months: int
    financings: list[Financing] = field(default_factory=list)
    applications: Counter[int] = field(default_factory=Counter)
    rejections: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: Counter[int] = field(default_factory=Counter)
    failures_by_month: Counter[int] = field(default_factory=Counter)
    disruption_days: int = 0
    supplier_days: int = 0
    issued_face_fen: int = 0
    lost_deliveries: int = 0
    attempts: Counter[str] = field(default_factory=Counter)
    attack_skipped: Counter[str] = field(default_factory=Counter)
    blocked: Counter[str] = field(default_factory=Counter)
    succeeded: Counter[str] = field(default_factory=Counter)
    fraud_loss_fen: Counter[str] = field(default_factory=Counter)
    admin_ops: Counter[tuple[str, bool]] = field(default_factory=Counter)
    tx_count: int = 0
    reverted: int = 0
    gas_used: int = 0
    gas_by_kind: dict[str, list[int]] = field(default_factory=dict)
    exposure_fen: dict[int, int] = field(default_factory=dict)

    def count_tx(self, r: OpResult) -> None:
        """Every ledger op result: count, gas, reverts."""
        self.tx_count += 1
        self.gas_used += r.gas_used
        self.reverted += not r.ok
        if r.ok and r.gas_used:
            self.gas_by_kind.setdefault(r.op.kind, []).append(r.gas_used)

    def financed(
        self, m: SupplyChainModel, s: Supplier, h: Holding, r: OpResult, applied_hours: float
    ) -> None:
        """A successful financing of holding ``h``."""
        payout = r.payout or 0
        tenor_days = max((h.due_s - r.time_s) / DAY_S, 1e-9)
        cost = (h.face_fen - payout) / payout * 365 / tenor_days if payout else float("nan")
        self.financings.append(
            Financing(
                s.tier, s.slot, m.month(), m.now_hours - applied_hours, h.face_fen, payout, cost
            )
        )

    def rejected(self, error: str, tier: int) -> None:
        """A financing application that did not pay out."""
        self.rejections[(error, tier)] += 1

    def failure(self, m: SupplyChainModel, s: Supplier, replacement_days: int) -> None:
        """A supplier failed; the core's chain is disrupted until the slot is refilled."""
        self.failures[s.tier] += 1
        self.failures_by_month[m.month()] += 1
        self.disruption_days += replacement_days
        m.stats_event("supplier_failed", s)

    def admin(self, what: str, ok: bool) -> None:
        """Administrative ops (pause drills, onboarding, line cuts)."""
        self.admin_ops[(what, ok)] += 1

    def cycles(self) -> np.ndarray:
        """Financing cycle times in hours."""
        return np.array([f.cycle_hours for f in self.financings], dtype=float)
