"""Agents of case 1: suppliers (tier 1 and 2, some adversarial), the core enterprise, the bank.

Agents hold their own books and decide; they never touch the ledger themselves — the model turns
their decisions into :class:`~products.ledger.port.Op` values on the ledger port.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa

DAY_S = 86_400


@dataclass
class Holding:
    """A receivable in a supplier's books (amounts in fen)."""

    token_id: int
    face_fen: int
    due_s: int
    state: str = "issued"  # issued | accepted | applying | financed | closed
    motive: str = ""  # why it was put up for financing: gap (needs cash) | cost (cheap money)


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
        fixed_cny = face_fen / 100 * self.fee_bps / 10_000 + self.hassle_cny
        return self.rate_bps + fixed_cny / (face_fen / 100) * 365 / early_days * 10_000


class Supplier(mesa.Agent):
    """A tier-1 or tier-2 supplier with a cash balance, daily costs and receivables.

    Args:
        model: the owning model.
        tier: 1 or 2.
        slot: position in its tier (a failed supplier's slot is later refilled).
        address: ledger account.
        daily_cost_cny: cash operating cost per day.
        cash_cny: opening cash.
        own_rate_bps: price of credit on its own name (traditional mode).
        adversary: whether it also attacks the ledger.
        hurdle_bps: opportunity cost of its capital; it discounts when the all-in cost is below.
    """

    def __init__(
        self,
        model: mesa.Model,
        tier: int,
        slot: int,
        address: str,
        daily_cost_cny: float,
        cash_cny: float,
        own_rate_bps: int,
        adversary: bool = False,
        hurdle_bps: int = 0,
    ) -> None:
        super().__init__(model)
        self.tier, self.slot, self.address = tier, slot, address
        self.daily_cost_cny = daily_cost_cny
        self.cash_cny = cash_cny
        self.own_rate_bps = own_rate_bps
        self.adversary = adversary
        self.hurdle_bps = hurdle_bps
        self.holdings: dict[int, Holding] = {}
        self.gap_days = 0
        self.failed = False
        self.rejected_until_day = -1
        self.reached = False

    def pay_costs(self, failure_gap_days: int) -> bool:
        """Pay one day's costs; True if this day's persistent cash gap makes the supplier fail."""
        self.cash_cny -= self.daily_cost_cny
        self.gap_days = self.gap_days + 1 if self.cash_cny < 0 else 0
        if self.gap_days >= failure_gap_days:
            self.failed = True
        return self.failed

    def to_finance(
        self, now_s: int, lookahead_days: int, day: int, offer: Offer | None = None
    ) -> list[Holding]:
        """Receivables to discount now: those that cover a projected cash gap, then (with an
        ``offer``) every other one whose all-in cost is below the supplier's hurdle rate.

        Cash due inside the look-ahead window counts as coming in; receivables due later are
        financed, soonest-due (cheapest) first, until the projected gap is covered.
        """
        if day < self.rejected_until_day:
            return []
        horizon_s = now_s + lookahead_days * DAY_S
        live = [h for h in self.holdings.values() if h.state in ("issued", "accepted", "applying")]
        inflow_cny = sum(h.face_fen for h in live if h.due_s <= horizon_s) / 100
        gap_cny = self.daily_cost_cny * lookahead_days - self.cash_cny - inflow_cny
        chosen: list[Holding] = []
        accepted = sorted(
            (h for h in live if h.state == "accepted"), key=lambda h: (h.due_s, h.token_id)
        )
        for holding in (h for h in accepted if h.due_s > horizon_s):
            if gap_cny <= 0:
                break
            holding.motive = "gap"
            chosen.append(holding)
            gap_cny -= holding.face_fen / 100
        if offer is not None:
            picked = {h.token_id for h in chosen}
            chosen += [
                h for h in accepted if h.token_id not in picked and self._cheap(h, now_s, offer)
            ]
        return chosen

    def _cheap(self, holding: Holding, now_s: int, offer: Offer) -> bool:
        cost_bps = offer.all_in_bps(holding.face_fen, (holding.due_s - now_s) / DAY_S)
        if cost_bps is None or cost_bps >= self.hurdle_bps:
            return False
        holding.motive = "cost"
        return True

    def receive(self, amount_fen: int) -> None:
        """Cash in (a financing payout or a repayment)."""
        if not self.failed:
            self.cash_cny += amount_fen / 100


@dataclass
class CoreEntry:
    """A receivable in the core's payables book."""

    face_fen: int
    repaid_fen: int = 0


class CoreEnterprise(mesa.Agent):
    """The core manufacturer: issues receivables on delivery and pays them per its draws."""

    def __init__(self, model: mesa.Model, address: str) -> None:
        super().__init__(model)
        self.address = address
        self.book: dict[int, CoreEntry] = {}
        self.roots: dict[int, list[int]] = {}
        self.pay_plan: dict[int, list[int]] = {}

    def record_issue(
        self, token_id: int, face_fen: int, delivery: int, pay_day: int | None
    ) -> None:
        """Book a newly issued receivable and when it will be paid (None: never)."""
        self.book[token_id] = CoreEntry(face_fen)
        self.roots[delivery] = [token_id]
        if pay_day is not None:
            self.pay_plan.setdefault(pay_day, []).append(delivery)

    def record_split(self, parent: int, child: int, amount_fen: int, delivery: int) -> None:
        """A holder moved ``amount_fen`` of ``parent`` into ``child``."""
        self.book[parent].face_fen -= amount_fen
        self.book[child] = CoreEntry(amount_fen)
        self.roots[delivery].append(child)

    def payments_due(self, day: int) -> list[tuple[int, int]]:
        """``(token_id, amount_fen)`` the core pays today."""
        out = []
        for delivery in self.pay_plan.pop(day, []):
            for token_id in self.roots[delivery]:
                entry = self.book[token_id]
                if entry.face_fen > entry.repaid_fen:
                    out.append((token_id, entry.face_fen - entry.repaid_fen))
        return out


@dataclass
class BankBook:
    """What the bank financed and collected, in fen."""

    financed: dict[int, tuple[int, int, int]] = field(
        default_factory=dict
    )  # id -> face, advance, due_s
    collected: dict[int, int] = field(default_factory=dict)
    overdue: set[int] = field(default_factory=set)
    written_off: set[int] = field(default_factory=set)
    written_off_fen: int = 0


class Bank(mesa.Agent):
    """The financier: core credit line and rate on chain; own-credit pricing on paper."""

    def __init__(self, model: mesa.Model, address: str, line_fen: int) -> None:
        super().__init__(model)
        self.address = address
        self.base_line_fen = line_fen
        self.line_fen = line_fen
        self.book = BankBook()

    def review_line(self, outstanding_fen: int, cut_share: float, cut_factor: float) -> int | None:
        """Monthly exposure review against the base line; the new line if it changes, else None.

        Overdue exposure counts financed receivables flagged overdue, less what was collected,
        excluding write-offs. Above ``cut_share`` of outstanding the line is ``base × cut_factor``,
        otherwise the base line is restored.
        """
        book = self.book
        overdue_fen = sum(
            book.financed[t][0] - book.collected.get(t, 0)
            for t in book.overdue
            if t not in book.written_off
        )
        cut = outstanding_fen > 0 and overdue_fen / outstanding_fen > cut_share
        target = int(self.base_line_fen * cut_factor) if cut else self.base_line_fen
        if target == self.line_fen:
            return None
        self.line_fen = target
        return target
