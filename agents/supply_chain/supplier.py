"""The suppliers of case 1 (tier 1 and 2, some adversarial): cash, costs, receivables, decisions.

A supplier decides whether to discount its receivables (and builds the :class:`Finance`
operation for the ledger port), pays its tier-2 by splitting a receivable, and, if adversarial,
attacks the ledger. It never touches the ledger itself: the model queues its operations and
hands each result back to the method the supplier named when it sent the operation.
"""

from __future__ import annotations

from functools import partial

import mesa

from agents.supply_chain.events import Financed, FinancingApplied
from agents.supply_chain.population import Delivery
from agents.supply_chain.world import Firm, Holding, Offer, World
from products.ledger import REVIEW_REJECTED, Accept, Finance, OpResult, Split
from sim.kernel.calendar import DAY_S, FEN

__all__ = ["Holding", "Offer", "Supplier"]

#: states of a receivable the supplier still expects cash from (the core, or a payout)
OPEN = frozenset({"issued", "accepted", "applying"})


def _due_order(holding: Holding) -> tuple[int, int]:
    return holding.due_s, holding.token_id


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

    model: World  # the case model, seen through its protocol

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
        self.live_days = 0

    # ----------------------------------------------------------------- cash

    def pay_costs(self, failure_gap_days: int, demand: float = 1.0) -> bool:
        """Pay one day's costs (the variable part scaled by the ``demand`` index); True if this
        day's persistent cash gap makes the supplier fail."""
        self.live_days += 1
        variable = self.model.cfg.population.demand.variable_cost_share if demand != 1.0 else 0.0
        self.cash_cny -= self.daily_cost_cny * (1 - variable + variable * demand)
        self.gap_days = self.gap_days + 1 if self.cash_cny < 0 else 0
        if self.gap_days >= failure_gap_days:
            self.failed = True
        return self.failed

    def receive(self, amount_fen: int) -> None:
        """Cash in (a financing payout or a repayment)."""
        if not self.failed:
            self.cash_cny += amount_fen / FEN

    def carry_bps(self, face_fen: int, term_days: float, offer: Offer | None) -> float:
        """What carrying a receivable costs it a year: its hurdle, or discounting if cheaper."""
        all_in = offer.all_in_bps(face_fen, term_days) if offer is not None else None
        return float(self.hurdle_bps) if all_in is None else min(float(self.hurdle_bps), all_in)

    def accepts_terms(
        self, term_days: int, face_fen: int, offer: Offer | None, bargaining: float
    ) -> bool:
        """Accept the core's term unless carrying it beyond the market term costs more than the
        share of its margin it would give up by switching buyers (``bargaining``)."""
        cfg = self.model.cfg
        extra_days = term_days - cfg.core.term_days_mean
        cost = extra_days * self.carry_bps(face_fen, term_days, offer) / 10_000 / 365
        return cost <= bargaining * (1 - cfg.population.cost_ratio)

    def pay_recourse(self, claim_fen: int) -> int:
        """Pay what its cash allows of a recourse claim (nothing once failed)."""
        if self.failed or claim_fen <= 0:
            return 0
        paid = min(claim_fen, max(int(self.cash_cny * FEN), 0))
        self.cash_cny -= paid / FEN
        return paid

    def collect(self, token_id: int, amount_fen: int) -> None:
        """The core paid ``amount_fen`` of ``token_id`` to this supplier."""
        self.receive(amount_fen)
        if token_id in self.holdings:
            self.holdings[token_id].state = "closed"

    # ----------------------------------------------------------------- receivables

    def take(self, token_id: int, face_fen: int, due_s: int) -> None:
        """Book a receivable issued or split to this supplier and accept it on the ledger."""
        self.holdings[token_id] = Holding(
            token_id, face_fen, due_s, issued_s=self.model.timestamp()
        )
        self.model.hold(token_id, self, due_s)
        accept = Accept(sender=self.address, token_id=token_id)
        self.model.send(accept, self.model.now_hours, partial(self._accepted, token_id))

    def _accepted(self, token_id: int, r: OpResult) -> None:
        holding = self.holdings.get(token_id)
        if r.ok and holding is not None and holding.state == "issued":
            holding.state = "accepted"

    def pay_tier2(self, token_id: int, face_fen: int, delivery: Delivery) -> None:
        """Pay the tier-2 for its inputs by splitting the receivable in the same block as the
        acceptance (valid: the split executes right after the accept in block order)."""
        tier2 = self.model.tier2_of(self.slot)
        if tier2 is None:
            return
        amount = int(face_fen * self.model.cfg.population.input_share)
        if amount > 0 and not tier2.failed:
            split = Split(
                sender=self.address, token_id=token_id, to=tier2.address, amount_fen=amount
            )
            done = partial(self._split, tier2, token_id, amount, delivery)
            self.model.send(split, self.model.now_hours, done)

    def _split(
        self, tier2: Firm, parent_id: int, amount: int, delivery: Delivery, r: OpResult
    ) -> None:
        if not r.ok or r.token_id is None:
            return
        self.holdings[parent_id].face_fen -= amount
        self.model.core.record_split(parent_id, r.token_id, amount, delivery.index)
        tier2.take(r.token_id, amount, self.holdings[parent_id].due_s)

    # ----------------------------------------------------------------- financing

    def to_finance(
        self,
        now_s: int,
        lookahead_days: int,
        day: int,
        offer: Offer | None = None,
        gap_offer: Offer | None = None,
        shortfall_bps: float = float("inf"),
    ) -> list[Holding]:
        """Receivables to discount now: those that cover a projected cash gap, then (with an
        ``offer``) every other one whose all-in cost is below the supplier's hurdle rate.

        With a ``gap_offer`` a receivable covers the gap only if its all-in cost is below
        ``shortfall_bps``, what running short costs the supplier (else it bears the gap).

        Cash due inside the look-ahead window counts as coming in; receivables due later are
        financed, soonest-due (cheapest) first, until the projected gap is covered.
        """
        if day < self.rejected_until_day:
            return []
        holdings = self.holdings.values()
        accepted = [h for h in holdings if h.state == "accepted"]
        if not accepted:  # only accepted receivables can be put up
            return []
        if len(accepted) > 1:
            accepted.sort(key=_due_order)
        horizon_s = now_s + lookahead_days * DAY_S
        inflow_fen = sum(h.face_fen for h in holdings if h.due_s <= horizon_s and h.state in OPEN)
        gap_cny = self.daily_cost_cny * lookahead_days - self.cash_cny - inflow_fen / FEN
        chosen: list[Holding] = []
        if gap_cny > 0:
            self._cover_gap(accepted, gap_cny, horizon_s, now_s, gap_offer, shortfall_bps, chosen)
        if offer is not None:
            picked = {h.token_id for h in chosen}
            chosen += [
                h for h in accepted if h.token_id not in picked and self._cheap(h, now_s, offer)
            ]
        return chosen

    @staticmethod
    def _cover_gap(
        accepted: list[Holding],
        gap_cny: float,
        horizon_s: int,
        now_s: int,
        gap_offer: Offer | None,
        shortfall_bps: float,
        chosen: list[Holding],
    ) -> None:
        """Append to ``chosen`` the receivables due after ``horizon_s``, soonest first, that
        cover ``gap_cny`` (with a ``gap_offer``: only those costing less than the shortfall)."""
        for holding in accepted:
            if holding.due_s <= horizon_s:
                continue
            if gap_cny <= 0:
                break
            if gap_offer is not None:
                cost = gap_offer.all_in_bps(holding.face_fen, (holding.due_s - now_s) / DAY_S)
                if cost is None or cost >= shortfall_bps:
                    continue
            holding.motive = "gap"
            chosen.append(holding)
            gap_cny -= holding.face_fen / FEN

    def _cheap(self, holding: Holding, now_s: int, offer: Offer) -> bool:
        cost_bps = offer.all_in_bps(holding.face_fen, (holding.due_s - now_s) / DAY_S)
        if cost_bps is None or cost_bps >= self.hurdle_bps:
            return False
        holding.motive = "cost"
        return True

    def apply_for_financing(
        self,
        day: int,
        offer: Offer | None,
        available_fen: int,
        gap_offer: Offer | None = None,
        now_s: int | None = None,
    ) -> int:
        """Apply to discount what :meth:`to_finance` picks, within the core's remaining line
        (public on the ledger; the supplier does not ask for more than is left). Each
        application goes in at a random time of the business day. Returns the line left.
        ``now_s``: the model's timestamp now (the caller's, when it asks many suppliers)."""
        m = self.model
        cfg = m.cfg
        now_s = m.timestamp() if now_s is None else now_s
        lookahead, shortfall = cfg.population.lookahead_days, cfg.financing.shortfall_rate_bps
        picked = self.to_finance(now_s, lookahead, day, offer, gap_offer, shortfall)
        open_h, close_h = cfg.business_hours
        for holding in picked:
            if holding.face_fen > available_fen:
                break
            available_fen -= holding.face_fen
            holding.state = "applying"
            applied = day * 24 + open_h + float(m.rng.random()) * (close_h - open_h)
            op = Finance(sender=self.address, token_id=holding.token_id, financier=m.bank.address)
            m.send(op, applied, partial(self._financed, holding.token_id, applied))
            applied_event = FinancingApplied(
                t_hours=m.now_hours,
                agent=self.address,
                tier=self.tier,
                token=holding.token_id,
                motive=holding.motive,
            )
            m.emit(applied_event)
        return available_fen

    def _financed(self, token_id: int, applied_hours: float, r: OpResult) -> None:
        holding = self.holdings[token_id]
        if not r.ok:
            holding.state = "accepted" if holding.state == "applying" else holding.state
            if r.error == REVIEW_REJECTED:
                self.rejected_until_day = self.model.day + self.model.cfg.bank.reapply_days
            return
        m, payout = self.model, r.payout or 0
        holding.state = "financed"
        self.receive(payout)
        self.reached = True
        m.bank.take_financed(holding, payout, self)
        tenor_days = max((holding.due_s - r.time_s) / DAY_S, 1e-9)
        charge_cny = (holding.face_fen - payout) / FEN
        per_year = 365 / tenor_days / (payout / FEN) if payout else float("nan")
        cost = charge_cny * per_year
        all_in = (charge_cny + m.bank.hassle_cny(self)) * per_year
        financed = Financed(
            t_hours=m.now_hours,
            agent=self.address,
            amount=payout / FEN,
            token=token_id,
            tier=self.tier,
            cycle_hours=m.now_hours - applied_hours,
            tx=r.tx_hash,
            motive=holding.motive,
            slot=self.slot,
            face_fen=holding.face_fen,
            payout_fen=payout,
            tenor_days=tenor_days,
            annual_cost=cost,
            all_in_cost=all_in,
            held_days=(r.time_s - holding.issued_s) / DAY_S,
        )
        m.emit(financed)
