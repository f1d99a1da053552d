"""The core enterprise of case 1: confirms deliveries as receivables and pays them by its draws."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import mesa
import numpy as np

from agents.supply_chain.events import (
    CoreDefaulted,
    CoreRated,
    DeliveryLost,
    ReceivableIssued,
    TermsOffered,
)
from agents.supply_chain.population import Delivery
from agents.supply_chain.world import Firm, World
from products.ledger import Issue, OpResult, Repay, invoice_hash
from sim.kernel.calendar import DAY_S, DAYS_PER_MONTH, FEN

#: points of the hurdle range over which the core averages a supplier's walk-away odds
HURDLE_GRID = 21


@dataclass
class CoreEntry:
    """A receivable in the core's payables book."""

    face_fen: int
    repaid_fen: int = 0


def _walk_odds(
    hurdles: np.ndarray, all_in: list[float | None], extra_days: list[float], threshold: float
) -> list[float]:
    """Per candidate term, the share of ``hurdles`` at which the supplier walks away: carrying
    the ``extra_days`` beyond the market term (at its hurdle, capped by the term's all-in cost of
    discounting, if any) costs more than ``threshold``. One array operation over every term, with
    the same element-wise arithmetic as one term at a time."""
    caps = np.array([np.inf if cost is None else cost for cost in all_in])
    carry = np.minimum(hurdles[np.newaxis, :], caps[:, np.newaxis])
    extra = np.array(extra_days, dtype=float)[:, np.newaxis]
    walks: list[float] = np.mean(extra * carry / 10_000 / 365 > threshold, axis=1).tolist()
    return walks


class CoreEnterprise(mesa.Agent):
    """The core manufacturer: issues receivables on delivery and pays them per its draws.

    ``issued_face_fen`` is the face of every receivable it has issued (its payables, before
    splits; a split moves face between receivables and leaves the total unchanged).
    """

    model: World  # the case model, seen through its protocol

    def __init__(self, model: mesa.Model, address: str) -> None:
        super().__init__(model)
        self.address = address
        self.book: dict[int, CoreEntry] = {}
        self.roots: dict[int, list[int]] = {}
        self.pay_plan: dict[int, list[int]] = {}
        self.issued_face_fen = 0
        self.published_grade: int | None = None
        self.terms: dict[int, int] = {}
        self.ceiling: dict[int, int] = {}

    # ----------------------------------------------------------------- payment terms

    def cost_of_cash_bps(self, day: int) -> float:
        """The core's annual cost of cash: the bank's funding rate, its own expected-loss
        spread (PD x LGD) and a liquidity premium."""
        cfg = self.model.cfg
        pricing = cfg.bank.pricing
        spread = self.pd_annual(day) * pricing.lgd * 10_000
        return pricing.funding_rate_bps + spread + cfg.core.terms.cash_premium_bps

    def choose_term(self, supplier: Firm, day: int) -> int:
        """The term that maximises the core's expected gain from paying ``supplier`` later.

        Gain: cost of cash x (T - market term) / 365 x annual purchases; loss: the chance the
        supplier walks away (over the hurdle range, with its cost of carrying capped by what
        discounting costs it) x ``walkaway_loss_months`` of purchases. Never above a term
        this slot has refused before (the core learns).
        """
        m = self.model
        cfg, terms = m.cfg, m.cfg.core.terms
        ref = cfg.core.term_days_mean
        purchases = float(m.pop.tier1_sales_cny[supplier.slot])
        face_fen = round(purchases / cfg.population.deliveries_per_month * FEN)
        bargaining = m.pop.bargaining(cfg, supplier.slot, day)
        margin = 1 - cfg.population.cost_ratio
        offer = m.bank.offer(supplier)
        hurdles = np.linspace(
            cfg.financing.hurdle_rate_bps_min, cfg.financing.hurdle_rate_bps_max, HURDLE_GRID
        )
        k = self.cost_of_cash_bps(day) / 10_000
        low = math.ceil(ref)
        high = min(cfg.core.term_days_max, self.ceiling.get(supplier.slot, 10**9))
        best, best_value = low, 0.0
        candidates = range(low, high + 1)
        walks = _walk_odds(
            hurdles,
            [offer.all_in_bps(face_fen, term) for term in candidates],
            [term - ref for term in candidates],
            bargaining * margin,
        )
        for term, walk in zip(candidates, walks, strict=True):
            gain = k * (term - ref) / 365 * 12 * purchases
            value = gain - walk * terms.walkaway_loss_months * purchases
            if value > best_value:
                best, best_value = term, value
        return best

    def offer_terms(self, supplier: Firm, day: int) -> bool:
        """Offer ``supplier`` its term for the contract period; False if it walks away."""
        m = self.model
        term = self.choose_term(supplier, day)
        purchases = float(m.pop.tier1_sales_cny[supplier.slot])
        face_fen = round(purchases / m.cfg.population.deliveries_per_month * FEN)
        bargaining = m.pop.bargaining(m.cfg, supplier.slot, day)
        accepted = supplier.accepts_terms(term, face_fen, m.bank.offer(supplier), bargaining)
        m.emit(
            TermsOffered(
                t_hours=m.now_hours,
                agent=supplier.address,
                slot=supplier.slot,
                term_days=term,
                accepted=accepted,
                bargaining=bargaining,
            )
        )
        if accepted:
            self.terms[supplier.slot] = term
        else:
            self.ceiling[supplier.slot] = term - 1
            self.terms.pop(supplier.slot, None)
        return accepted

    def term_of(self, delivery: Delivery) -> int:
        """The term of ``delivery``'s receivable: the supplier's contract term, or (without the
        terms policy) the exogenous draw."""
        if not self.model.cfg.core.terms.enabled:
            return delivery.term_days
        return self.terms.get(delivery.slot, delivery.term_days)

    @staticmethod
    def contract_period_days(months: float) -> int:
        """Days of a contract period."""
        return max(round(months * DAYS_PER_MONTH), 1)

    # ----------------------------------------------------------------- credit state

    def grade(self, day: int) -> int:
        """The core's credit grade on ``day`` (0 = best), from its drawn credit path."""
        path = self.model.pop.core_grade
        return int(path[min(max(day, 0), len(path) - 1)])

    def pd_annual(self, day: int) -> float:
        """Annual PD of the grade on ``day`` (times the distress scale of that day)."""
        return float(self.model.cfg.core.credit.grade_pd_annual[self.grade(day)])

    def defaulted(self, day: int) -> bool:
        """Whether the core's credit state has reached default by ``day``."""
        default_day = self.model.pop.core_default_day
        return default_day is not None and day >= default_day

    def review_credit(self, day: int) -> None:
        """Publish the grade when it changes; on the default day, tell the bank."""
        m, grade = self.model, self.grade(day)
        if grade != self.published_grade:
            self.published_grade = grade
            m.emit(
                CoreRated(
                    t_hours=m.now_hours,
                    agent=self.address,
                    grade=grade,
                    pd_annual=self.pd_annual(day),
                )
            )
        if m.pop.core_default_day == day:
            m.emit(CoreDefaulted(t_hours=m.now_hours, agent=self.address, grade=grade))
            m.bank.core_defaulted()

    # ----------------------------------------------------------------- decisions

    def confirm_deliveries(self, deliveries: list[Delivery]) -> None:
        """Tier-1 deliveries become receivables in the daily confirmation run; a failed tier-1
        or its failed tier-2 means no delivery."""
        m, core = self.model, self.model.cfg.core
        for delivery in deliveries:
            tier1 = m.tier1[delivery.slot]
            tier2 = m.tier2_of(delivery.slot)
            broke = self.defaulted(delivery.day)
            if broke or tier1.failed or (tier2 is not None and tier2.failed):
                m.emit(
                    DeliveryLost(
                        t_hours=m.now_hours,
                        agent=tier1.address,
                        slot=delivery.slot,
                        delivery=delivery.index,
                    )
                )
                continue
            at = delivery.day * 24 + core.issue_hour - core.run_lead_hours
            term = self.term_of(delivery)
            done = partial(self._issued, tier1, delivery, term)
            m.send(self.issue_op(tier1, delivery, term), at, done)

    def issue_op(self, supplier: Firm, delivery: Delivery, term_days: int | None = None) -> Issue:
        """The issue operation for ``delivery`` to ``supplier`` (at ``term_days``, default the
        delivery's drawn term)."""
        m = self.model
        term = delivery.term_days if term_days is None else term_days
        return Issue(
            sender=self.address,
            supplier=supplier.address,
            face_fen=round(delivery.value_cny * FEN),
            due_s=m.timestamp(delivery.day * 24.0) + term * DAY_S,
            invoice_hash=invoice_hash("supply_chain", m.mode, delivery.index),
        )

    def pay_run(self, day: int) -> None:
        """The payment run: every receivable under each invoice it pays today (nothing once the
        core has defaulted)."""
        if self.defaulted(day):
            return
        at = day * 24 + self.model.cfg.core.payment_hour - self.model.cfg.core.run_lead_hours
        for token_id, amount in self.payments_due(day):
            repay = Repay(sender=self.address, token_id=token_id, amount_fen=amount)
            self.model.send(repay, at, partial(self._repaid, token_id, amount))

    # ----------------------------------------------------------------- results

    def _issued(self, supplier: Firm, delivery: Delivery, term: int, r: OpResult) -> None:
        if not r.ok or r.token_id is None or not isinstance(r.op, Issue):
            return
        m, face, due = self.model, r.op.face_fen, r.op.due_s
        self.issued_face_fen += face
        m.emit(
            ReceivableIssued(
                t_hours=m.now_hours,
                agent=supplier.address,
                amount=face / FEN,
                slot=supplier.slot,
                term_days=term,
                reference_days=m.cfg.core.term_days_mean,
            )
        )
        pay_day = None
        if delivery.pay_delay_days is not None:
            pay_day = delivery.day + term + math.ceil(delivery.pay_delay_days)
        self.record_issue(r.token_id, face, delivery.index, pay_day)
        supplier.take(r.token_id, face, due)
        supplier.pay_tier2(r.token_id, face, delivery)

    def _repaid(self, token_id: int, amount_fen: int, r: OpResult) -> None:
        if not r.ok:
            return
        self.book[token_id].repaid_fen += amount_fen
        holder = self.model.owner.get(token_id)
        if holder is not None:
            holder.collect(token_id, amount_fen)

    # ----------------------------------------------------------------- the payables book

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
