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
        {"slot", "face_fen", "payout_fen", "tenor_days", "annual_cost", "all_in_cost", "held_days"}
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
    all_in_cost: float
    held_days: float


@dataclass(frozen=True, kw_only=True, slots=True)
class CoreRated(Event):
    """The core's credit grade changed (or was first published): grade and its annual PD."""

    kind: ClassVar[str] = "core_rated"
    agent: str
    grade: int
    pd_annual: float


@dataclass(frozen=True, kw_only=True, slots=True)
class CoreDefaulted(Event):
    """The core defaulted (an event of its credit state): it pays and buys nothing more."""

    kind: ClassVar[str] = "core_defaulted"
    agent: str
    grade: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ProgrammePriced(Event):
    """The bank set the programme's terms (rate and fee in bps) from the core's PD."""

    kind: ClassVar[str] = "programme_priced"
    agent: str
    rate_bps: int
    fee_bps: int
    pd_annual: float


@dataclass(frozen=True, kw_only=True, slots=True)
class PositionClosed(Event):
    """One financed receivable in the bank's books, at its close or at the horizon (``status``:
    repaid | recoursed (the seller paid the claim) | defaulted (written off or the core
    defaulted) | recovery (a later payment on a defaulted one) | open (at the horizon)).
    ``amount`` is its net income in CNY; components in fen; ``capital_fen_days`` is economic
    capital x days held."""

    kind: ClassVar[str] = "position_closed"
    unlogged: ClassVar[frozenset[str]] = frozenset(
        {"interest_fen", "fee_fen", "funding_fen", "loss_fen", "recovered_fen", "capital_fen_days"}
    )
    agent: str
    amount: float
    token: int
    status: str
    recourse: bool
    interest_fen: int
    fee_fen: int
    funding_fen: int
    loss_fen: int
    recovered_fen: int
    capital_fen_days: float


@dataclass(frozen=True, kw_only=True, slots=True)
class TermsOffered(Event):
    """The core offered tier-1 ``slot`` a payment term for the contract period; ``accepted``
    False means the supplier walked away to other buyers."""

    kind: ClassVar[str] = "terms_offered"
    agent: str
    slot: int
    term_days: int
    accepted: bool
    bargaining: float


@dataclass(frozen=True, kw_only=True, slots=True)
class SupplierSwitched(Event):
    """A tier-1 walked away from the core (it sells to other buyers now) and leaves the model."""

    kind: ClassVar[str] = "supplier_switched"
    agent: str
    slot: int
    term_days: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ReceivableIssued(Event):
    """The core confirmed a delivery as a receivable: ``amount`` its face in CNY, its term and
    the market reference term (``core.term_days_mean``)."""

    kind: ClassVar[str] = "receivable_issued"
    agent: str
    amount: float
    slot: int
    term_days: int
    reference_days: float


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
