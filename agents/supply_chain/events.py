"""The typed events of case 1, emitted through ``model.emit``.

The recorder logs them (``agent`` → agent column, ``amount`` → amount column, the rest → detail);
the KPI collectors of ``sim.cases.supply_chain.kpis`` compute every KPI from them. Fields in
``unlogged`` travel to subscribers only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from sim.kernel.events import Event


@dataclass(frozen=True, kw_only=True, slots=True)
class TxReverted(Event):
    """A ledger operation was rejected (decoded error name, tx hash on chain)."""

    kind: ClassVar[str] = "tx_reverted"
    agent: str
    op: str
    error: str | None
    tx: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class SupplierFailed(Event):
    """A supplier failed after a persistent cash gap and exits; ``amount`` is its cash (CNY)."""

    kind: ClassVar[str] = "supplier_failed"
    unlogged: ClassVar[frozenset[str]] = frozenset({"replacement_days", "live_days"})
    agent: str
    amount: float
    tier: int
    slot: int
    replacement_days: int
    live_days: int


@dataclass(frozen=True, kw_only=True, slots=True)
class FinancingApplied(Event):
    """A supplier applied to discount receivable ``token`` (``motive``: gap or cost)."""

    kind: ClassVar[str] = "financing_applied"
    agent: str
    tier: int
    token: int
    motive: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Financed(Event):
    """A financing paid out: ``amount`` in CNY, application-to-cash ``cycle_hours``."""

    kind: ClassVar[str] = "financed"
    unlogged: ClassVar[frozenset[str]] = frozenset(
        {"slot", "face_fen", "payout_fen", "tenor_days", "annual_cost"}
    )
    agent: str
    amount: float
    token: int
    tier: int
    cycle_hours: float
    tx: str | None
    motive: str
    slot: int
    face_fen: int
    payout_fen: int
    tenor_days: float
    annual_cost: float


@dataclass(frozen=True, kw_only=True, slots=True)
class DeliveryLost(Event):
    """A delivery did not happen because the tier-1 or its tier-2 had failed."""

    kind: ClassVar[str] = "delivery_lost"
    agent: str | None
    slot: int
    delivery: int


@dataclass(frozen=True, kw_only=True, slots=True)
class AttackPlanned(Event):
    """An adversary's scheduled attempt: sent, or ``skipped`` for want of a target."""

    kind: ClassVar[str] = "attack_planned"
    agent: str
    attack: str
    skipped: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class AttackOutcome(Event):
    """The ledger's answer to an attack op; ``amount`` is the fraud loss in CNY (paper only)."""

    kind: ClassVar[str] = "attack"
    unlogged: ClassVar[frozenset[str]] = frozenset({"fraud_loss_fen"})
    agent: str
    amount: float
    attack: str
    step: str
    ok: bool
    error: str | None
    tx: str | None
    fraud_loss_fen: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ExposureReviewed(Event):
    """The bank's monthly review of the core's financed outstanding (``amount`` in CNY)."""

    kind: ClassVar[str] = "exposure_review"
    unlogged: ClassVar[frozenset[str]] = frozenset({"outstanding_fen"})
    agent: str
    amount: float
    line_changed: bool
    outstanding_fen: int


@dataclass(frozen=True, kw_only=True, slots=True)
class RunEnded(Event):
    """Book and ledger state at the horizon, for the collectors (nothing of it is logged)."""

    kind: ClassVar[str] = "run_end"
    unlogged: ClassVar[frozenset[str]] = frozenset(
        {
            "tx_count",
            "tx_reverted",
            "gas_used",
            "gas_by_kind",
            "issued_face_fen",
            "written_off_fen",
            "live_supplier_days",
        }
    )
    tx_count: int
    tx_reverted: int
    gas_used: int
    gas_by_kind: dict[str, tuple[int, ...]] = field(default_factory=dict)
    issued_face_fen: int
    written_off_fen: int
    live_supplier_days: int
