"""What the case-1 agents see of each other and of their model (typing only, plus a holding).

The role modules type their model and their counterparties with these protocols instead of
importing the model, so imports run one way: ``model`` → roles → ``world``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from agents.supply_chain.population import Delivery, Population
from agents.supply_chain.schema import SupplyChainConfig
from products.ledger import LedgerOp, LedgerPort, OpResult
from sim.kernel.calendar import FEN
from sim.kernel.events import Event

#: What the sender of an operation does with its result.
OnResult = Callable[[OpResult], None]


@dataclass
class Holding:
    """A receivable in a supplier's books (amounts in fen)."""

    token_id: int
    face_fen: int
    due_s: int
    state: str = "issued"  # issued | accepted | applying | financed | closed
    motive: str = ""  # why it was put up for financing: gap (needs cash) | cost (cheap money)
    issued_s: int = 0  # when the holder got it (issue or split)


@dataclass(frozen=True)
class Offer:
    """What discounting costs a supplier in its mode (rates in bps a year, fee in bps of face).

    ``hassle_cny`` is the per-application cost (staff time, documents); ``wait_days`` the
    expected time from application to cash (manual review on paper), which shortens the period
    the cash arrives early. ``min_face_fen`` / ``max_tenor_days`` are the bank's eligibility.
    """

    rate_bps: int
    fee_bps: int
    hassle_cny: float
    wait_days: float
    min_face_fen: int
    max_tenor_days: int

    def all_in_bps(self, face_fen: int, days_to_due: float) -> float | None:
        """Annualised all-in cost of discounting a receivable now; None if ineligible or late.

        rate + (fee + hassle) spread over the days the cash arrives early (due - wait).
        """
        early_days = days_to_due - self.wait_days
        if face_fen < self.min_face_fen or days_to_due > self.max_tenor_days or early_days <= 0:
            return None
        fixed_cny = face_fen / FEN * self.fee_bps / 10_000 + self.hassle_cny
        return self.rate_bps + fixed_cny / (face_fen / FEN) * 365 / early_days * 10_000


class Holder(Protocol):
    """Whoever holds a receivable and is paid when the core repays it."""

    address: str

    def collect(self, token_id: int, amount_fen: int) -> None:
        """The core paid ``amount_fen`` of ``token_id``."""
        ...


class Firm(Holder, Protocol):
    """A supplier as the core and other suppliers see it."""

    tier: int
    slot: int
    failed: bool
    own_rate_bps: int

    def take(self, token_id: int, face_fen: int, due_s: int) -> None:
        """Book and accept a receivable issued or split to it."""
        ...

    def pay_tier2(self, token_id: int, face_fen: int, delivery: Delivery) -> None:
        """Pay its tier-2 by splitting the receivable."""
        ...

    def receive(self, amount_fen: int) -> None:
        """Cash in."""
        ...

    def accepts_terms(
        self, term_days: int, face_fen: int, offer: Offer | None, bargaining: float
    ) -> bool:
        """Whether it accepts the core's payment term."""
        ...

    def carry_bps(self, face_fen: int, term_days: float, offer: Offer | None) -> float:
        """Its annual cost of carrying a receivable."""
        ...

    def pay_recourse(self, claim_fen: int) -> int:
        """Pay what it can of a recourse claim out of its cash; returns the fen paid."""
        ...


class Financier(Holder, Protocol):
    """The bank as suppliers see it."""

    def take_financed(self, holding: Holding, payout_fen: int, seller: Firm | None = None) -> None:
        """The bank now holds ``holding``."""
        ...

    def core_defaulted(self) -> None:
        """The core defaulted."""
        ...

    def offer(self, firm: Firm) -> Offer:
        """What discounting costs ``firm`` here."""
        ...

    def hassle_cny(self, firm: Firm) -> float:
        """The per-application cost ``firm`` bears in this mode."""
        ...


class Issuer(Protocol):
    """The core enterprise as its suppliers see it."""

    address: str

    def record_split(self, parent: int, child: int, amount_fen: int, delivery: int) -> None:
        """A holder moved ``amount_fen`` of ``parent`` into ``child``."""
        ...

    def grade(self, day: int) -> int:
        """The core's credit grade on ``day`` (0 = best)."""
        ...

    def pd_annual(self, day: int) -> float:
        """The annual PD of the core's grade on ``day``."""
        ...

    def defaulted(self, day: int) -> bool:
        """Whether the core has defaulted by ``day``."""
        ...


class World(Protocol):
    """The model as its agents use it: the clock, the outbox, the bus and the registry."""

    cfg: SupplyChainConfig
    pop: Population
    ledger: LedgerPort
    mode: str
    admin: str
    rng: np.random.Generator
    bank: Financier
    core: Issuer
    tier1: Sequence[Firm]
    by_address: Mapping[str, Firm]
    owner: dict[int, Holder]

    @property
    def now_hours(self) -> float:
        """Sim time in hours."""
        ...

    @property
    def day(self) -> int:
        """Whole sim days elapsed."""
        ...

    def timestamp(self, hours: float | None = None) -> int:
        """Unix seconds of sim time ``hours`` (default: now)."""
        ...

    def emit(self, event: Event) -> None:
        """Send ``event`` to the model's bus."""
        ...

    def send(self, op: LedgerOp, t_hours: float, on_result: OnResult | None = None) -> None:
        """Queue ``op`` for the first block after ``t_hours``."""
        ...

    def hold(self, token_id: int, holder: Holder, due_s: int) -> None:
        """``holder`` holds ``token_id``; schedule its lifecycle checks."""
        ...

    def open_hour(self, day: int) -> float:
        """The hour business opens on ``day``."""
        ...

    def tier2_of(self, tier1_slot: int) -> Firm | None:
        """The firm in the tier-2 slot serving ``tier1_slot``."""
        ...
