"""The bank of case 1: the financier's book and pricing, and the paper mode's credit officers.

On chain the bank's terms, the core's credit line and the automatic review live in the contract;
on paper its credit officers review each application by hand and price the supplier on its own
credit (:class:`CreditDesk` is the paper ledger's ``Reviewer``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist

import mesa
import numpy as np

from agents.supply_chain.events import ExposureReviewed, PositionClosed, ProgrammePriced
from agents.supply_chain.schema import BankConfig, FinancingDecisionConfig
from agents.supply_chain.supplier import Offer, Supplier
from agents.supply_chain.world import Firm, Holding, World
from products.ledger import (
    LedgerOp,
    OpResult,
    ReceivableState,
    Review,
    SetCreditLine,
    SetTerms,
    Terms,
)
from sim.kernel.calendar import DAY_S, FEN

BPS = 10_000
_N = NormalDist()


def irb_capital(pd: float, lgd: float) -> float:
    """Economic capital per unit of exposure: the Basel IRB corporate formula.

    Asset correlation 0.12-0.24 by PD, 99.9% confidence, no maturity adjustment (the
    receivables run under a year), PD floored at 0.05%.
    """
    pd = min(max(pd, 0.0005), 0.9999)
    w = (1 - math.exp(-50 * pd)) / (1 - math.exp(-50))
    r = 0.12 * w + 0.24 * (1 - w)
    tail = _N.cdf((_N.inv_cdf(pd) + math.sqrt(r) * _N.inv_cdf(0.999)) / math.sqrt(1 - r))
    return max(lgd * (tail - pd), 0.0)


@dataclass
class Position:
    """A financed receivable in the bank's books (fen; ``start_s`` when it was financed)."""

    token_id: int
    face_fen: int
    payout_fen: int
    fee_fen: int
    start_s: int
    due_s: int
    capital_fen: float
    seller: Firm | None
    collected_fen: int = 0
    recovered_fen: int = 0

    @property
    def discount_fen(self) -> int:
        """The interest the bank earns if the face is paid in full."""
        return self.face_fen - self.payout_fen - self.fee_fen


@dataclass
class BankBook:
    """What the bank financed and collected, in fen (``financed``: id -> face, advance, due_s)."""

    financed: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    collected: dict[int, int] = field(default_factory=dict)
    overdue: set[int] = field(default_factory=set)
    written_off: set[int] = field(default_factory=set)
    written_off_fen: int = 0


class Bank(mesa.Agent):
    """The financier: core credit line and rate on chain; own-credit pricing on paper.

    Args:
        model: the owning model.
        address: ledger account.
        line_fen: the core's base credit line.
        cfg: the bank section; financing: the suppliers' financing-decision section (hassle).
        own_credit_pricing: price each supplier on its own credit (paper) instead of the core's.
    """

    model: World  # the case model, seen through its protocol

    def __init__(
        self,
        model: mesa.Model,
        address: str,
        line_fen: int,
        cfg: BankConfig,
        financing: FinancingDecisionConfig,
        own_credit_pricing: bool = False,
    ) -> None:
        super().__init__(model)
        self.address = address
        self.base_line_fen = line_fen
        self.line_fen = line_fen
        self.cfg, self.financing = cfg, financing
        self.own_credit_pricing = own_credit_pricing
        self.book = BankBook()
        self.positions: dict[int, Position] = {}
        self.written: dict[int, Position] = {}
        self.recoursed: dict[int, Firm] = {}
        #: the programme's posted rate; :meth:`reprice` sets it from the core's PD
        self.rate_bps = cfg.core_rate_bps
        self._offers: dict[tuple[bool, int], Offer] = {}  # an offer is a value: kept by rate

    # ----------------------------------------------------------------- pricing

    def pd_effective(self, day: int) -> float:
        """Annual PD of a financed receivable: the core's, reduced under recourse."""
        pricing = self.cfg.pricing
        pd = self.model.core.pd_annual(day)
        return pd * pricing.recourse_pd_factor if pricing.recourse else pd

    def programme_rate_bps(self, day: int) -> int:
        """The programme's annual rate: funding + PD x LGD + capital charge + operating cost,
        scaled to the expected holding period (or the flat ``core_rate_bps`` without
        risk-based pricing)."""
        pricing = self.cfg.pricing
        if not pricing.risk_based:
            return self.cfg.core_rate_bps
        pd = self.pd_effective(day)
        spread = pd * pricing.lgd + irb_capital(pd, pricing.lgd) * pricing.capital_hurdle
        rate = pricing.funding_rate_bps + spread * BPS + pricing.operating_cost_bps
        if pricing.price_late_payment:
            core = self.model.cfg.core
            rate *= 1 + core.late_share * core.mean_delay_days / core.term_days_mean
        return round(rate)

    def reprice(self, day: int) -> bool:
        """Set the programme rate from the core's PD on ``day``; True if it changed."""
        rate = self.programme_rate_bps(day)
        changed, self.rate_bps = rate != self.rate_bps, rate
        return changed

    def terms(self) -> Terms:
        """The terms the bank posts on the ledger."""
        cfg = self.cfg
        return Terms(
            rate_bps=self.rate_bps, fee_bps=cfg.fee_bps, advance_cap_bps=cfg.advance_cap_bps
        )

    def publish_terms(self) -> None:
        """Event of the programme's current price."""
        m = self.model
        priced = ProgrammePriced(
            t_hours=m.now_hours,
            agent=self.address,
            rate_bps=self.rate_bps,
            fee_bps=self.cfg.fee_bps,
            pd_annual=self.pd_effective(m.day),
        )
        m.emit(priced)

    def offer(self, supplier: Firm) -> Offer:
        """What discounting costs ``supplier`` here: core-credit pricing and a signed request on
        the platform, or its own-credit rate, the documents and the manual review wait on paper."""
        rate_bps = supplier.own_rate_bps if self.own_credit_pricing else self.rate_bps
        key = (self.own_credit_pricing, rate_bps)
        offer = self._offers.get(key)
        if offer is None:
            offer = self._offers[key] = self._new_offer(rate_bps)
        return offer

    def _new_offer(self, rate_bps: int) -> Offer:
        bank, fin = self.cfg, self.financing
        if self.own_credit_pricing:
            hassle_cny, wait_days = fin.hassle_paper_cny, bank.review_mean_days
        else:
            hassle_cny, wait_days = fin.hassle_chain_cny, 0.0
        min_face_fen = round(bank.min_amount_cny * FEN)
        return Offer(
            rate_bps, bank.fee_bps, hassle_cny, wait_days, min_face_fen, bank.max_tenor_days
        )

    def hassle_cny(self, firm: Firm) -> float:
        """The per-application cost a supplier bears here (documents on paper)."""
        fin = self.financing
        return fin.hassle_paper_cny if self.own_credit_pricing else fin.hassle_chain_cny

    def take_financed(self, holding: Holding, payout_fen: int, seller: Firm | None = None) -> None:
        """The bank now holds ``holding`` (it paid ``payout_fen`` for it to ``seller``)."""
        m, pricing = self.model, self.cfg.pricing
        m.owner[holding.token_id] = self
        self.book.financed[holding.token_id] = (holding.face_fen, payout_fen, holding.due_s)
        face = holding.face_fen
        fee = min(face * self.cfg.fee_bps // BPS, face - payout_fen)
        capital = irb_capital(self.pd_effective(m.day), pricing.lgd) * payout_fen
        self.positions[holding.token_id] = Position(
            holding.token_id, face, payout_fen, fee, m.timestamp(), holding.due_s, capital, seller
        )

    def collect(self, token_id: int, amount_fen: int) -> None:
        """The core paid ``amount_fen`` of a receivable the bank holds (or held: a late payment
        on a written-off one is a recovery; on a recoursed one it goes back to the seller)."""
        self.book.collected[token_id] = self.book.collected.get(token_id, 0) + amount_fen
        if token_id in self.recoursed:
            self.recoursed[token_id].receive(amount_fen)
            return
        if token_id in self.written:
            self._recovered(self.written[token_id], amount_fen)
            return
        position = self.positions.get(token_id)
        if position is None:
            return
        position.collected_fen += amount_fen
        if position.collected_fen >= position.face_fen:
            self._close(position, "repaid")

    def core_defaulted(self) -> None:
        """The core defaulted: every open position is a defaulted one (cross-default)."""
        for token_id in sorted(self.positions):
            self._recourse(self.positions[token_id])
            if token_id in self.positions:
                self._close(self.positions[token_id], "defaulted")

    def _recourse(self, position: Position) -> None:
        """Under recourse, claim the unpaid face from the seller; fully paid closes the position
        (the receivable is then the seller's again: later core payments go to it)."""
        if not self.cfg.pricing.recourse or position.seller is None:
            return
        paid = position.seller.pay_recourse(position.face_fen - position.collected_fen)
        position.recovered_fen += paid
        if position.collected_fen + position.recovered_fen >= position.face_fen:
            self.recoursed[position.token_id] = position.seller
            self._close(position, "recoursed")

    def _recovered(self, p: Position, amount_fen: int) -> None:
        """A payment on a written-off position: its share of interest, the loss reversed."""
        m, share = self.model, amount_fen / p.face_fen
        interest = round(p.discount_fen * share)
        reversed_loss = round(share * (p.face_fen - p.discount_fen) * self.cfg.pricing.lgd)
        recovery = PositionClosed(
            t_hours=m.now_hours,
            agent=self.address,
            amount=(interest + reversed_loss) / FEN,
            token=p.token_id,
            status="recovery",
            recourse=self.cfg.pricing.recourse,
            interest_fen=interest,
            fee_fen=0,
            funding_fen=0,
            loss_fen=-reversed_loss,
            recovered_fen=0,
            capital_fen_days=0.0,
        )
        m.emit(recovery)

    def _close(self, p: Position, status: str) -> None:
        """Book a position's income, funding cost, loss and capital use, and drop it.

        Interest: the discount on the share of face collected (core or recourse). Loss: the
        still unpaid share of ``face - discount`` times LGD (the recovery from the core's estate
        is the rest). Open at the horizon: the discount accrued pro rata to time held.
        """
        m, pricing = self.model, self.cfg.pricing
        del self.positions[p.token_id]
        now_s = m.timestamp()
        held_days = max(now_s - p.start_s, 0) / DAY_S
        tenor_days = max(p.due_s - p.start_s, DAY_S) / DAY_S
        paid = p.collected_fen + p.recovered_fen
        if status == "open":
            interest = round(p.discount_fen * min(held_days / tenor_days, 1.0))
            loss = 0
        else:
            interest = round(p.discount_fen * min(paid / p.face_fen, 1.0))
            unpaid_share = max(p.face_fen - paid, 0) / p.face_fen
            loss = round(unpaid_share * (p.face_fen - p.discount_fen) * pricing.lgd)
        funding = round(p.payout_fen * pricing.funding_rate_bps / BPS * held_days / 365)
        net = interest + p.fee_fen - funding - loss
        closed = PositionClosed(
            t_hours=m.now_hours,
            agent=self.address,
            amount=net / FEN,
            token=p.token_id,
            status=status,
            recourse=pricing.recourse,
            interest_fen=interest,
            fee_fen=p.fee_fen,
            funding_fen=funding,
            loss_fen=loss,
            recovered_fen=p.recovered_fen,
            capital_fen_days=p.capital_fen * held_days,
        )
        m.emit(closed)
        if status == "defaulted":
            self.written[p.token_id] = p

    def close_books(self) -> None:
        """At the horizon: every open position with its accrued income."""
        for token_id in sorted(self.positions):
            self._close(self.positions[token_id], "open")

    def flagged(self, kind: str, token_id: int, r: OpResult) -> None:
        """The result of a holder's lifecycle flag (overdue / default / write_off) on a
        receivable; the bank books those on receivables it financed."""
        if not r.ok or token_id not in self.book.financed:
            return
        if kind == "overdue":
            self.book.overdue.add(token_id)
        if kind == "default" and token_id in self.positions:
            self._recourse(self.positions[token_id])
        if kind == "write_off" and token_id in self.positions:
            self._close(self.positions[token_id], "defaulted")
        if kind == "write_off":
            face, _, _ = self.book.financed[token_id]
            self.book.written_off.add(token_id)
            self.book.written_off_fen += face - self.book.collected.get(token_id, 0)

    def monthly_review(self) -> None:
        """Re-price the programme from the core's PD; read on-ledger exposure and cut the core's
        line if overdue exposure is high; freeze it below ``pricing.limit_grade`` or after the
        core's default."""
        m = self.model
        if not self.own_credit_pricing and self.reprice(m.day):
            priced = SetTerms(sender=self.address, terms=self.terms())
            m.send(priced, m.open_hour(m.day) - self.cfg.admin_lead_hours)
            self.publish_terms()
        outstanding = m.ledger.financed_outstanding(m.core.address)
        frozen = m.core.defaulted(m.day) or m.core.grade(m.day) > self.cfg.pricing.limit_grade
        new_line = self.review_line(
            outstanding, self.cfg.line_cut_overdue_share, self.cfg.line_cut_factor, frozen
        )
        review = ExposureReviewed(
            t_hours=m.now_hours,
            agent=self.address,
            amount=outstanding / FEN,
            line_changed=new_line is not None,
            outstanding_fen=outstanding,
        )
        m.emit(review)
        if new_line is not None:
            op = SetCreditLine(sender=self.address, core=m.core.address, line_fen=new_line)
            m.send(op, m.open_hour(m.day) - self.cfg.admin_lead_hours)

    def review_line(
        self, outstanding_fen: int, cut_share: float, cut_factor: float, frozen: bool = False
    ) -> int | None:
        """Monthly exposure review against the base line; the new line if it changes, else None.

        Overdue exposure counts financed receivables flagged overdue, less what was collected,
        excluding write-offs. Above ``cut_share`` of outstanding the line is ``base × cut_factor``,
        otherwise the base line is restored; ``frozen`` sets it to zero.
        """
        book = self.book
        overdue_fen = sum(
            book.financed[t][0] - book.collected.get(t, 0)
            for t in book.overdue
            if t not in book.written_off
        )
        cut = outstanding_fen > 0 and overdue_fen / outstanding_fen > cut_share
        target = int(self.base_line_fen * cut_factor) if cut else self.base_line_fen
        target = 0 if frozen else target
        if target == self.line_fen:
            return None
        self.line_fen = target
        return target


class CreditOfficer(mesa.Agent):
    """Reviews one tier's paper applications: approval odds of that tier, own-credit price.

    Args:
        model: the owning model.
        approval: probability an application is approved.
        cfg: the bank section (review time, fee, advance cap, the price of unknown applicants).
        rng: the desk's review stream (shared by the officers, drawn in application order).
    """

    def __init__(
        self, model: mesa.Model, approval: float, cfg: BankConfig, rng: np.random.Generator
    ) -> None:
        super().__init__(model)
        self.approval, self.cfg, self.stream = approval, cfg, rng

    def review(self, applicant: Supplier | None) -> Review:
        """Gamma-distributed review time (mean ``review_mean_days``), decision and price."""
        cfg = self.cfg
        scale = cfg.review_mean_days * 24 / cfg.review_shape
        delay_hours = (
            float(self.stream.gamma(cfg.review_shape, scale)) if cfg.review_mean_days > 0 else 0.0
        )
        u = float(self.stream.random())
        # not a supplier we know: documents look fine, priced at the top of the own-credit range
        rate_bps = cfg.own_rate_bps_max if applicant is None else applicant.own_rate_bps
        terms = Terms(rate_bps=rate_bps, fee_bps=cfg.fee_bps, advance_cap_bps=cfg.advance_cap_bps)
        return Review(u < self.approval, delay_hours, terms)


class CreditDesk:
    """The traditional bank's credit process (implements ``products.ledger.paper.Reviewer``).

    Each application goes to the officer of the applicant's tier (unknown applicants to the
    tier-1 officer). The desk exists before the model (the paper ledger needs it); the model
    staffs it with its officer agents and its supplier address book.

    Args:
        cfg: the bank section.
        rng: the review stream.
    """

    def __init__(self, cfg: BankConfig, rng: np.random.Generator) -> None:
        self.cfg, self.rng = cfg, rng
        self.suppliers: Mapping[str, Supplier] = {}
        self.officers: dict[int, CreditOfficer] = {}

    def staff(self, model: mesa.Model, suppliers: Mapping[str, Supplier]) -> mesa.agent.AgentSet:
        """Create the officers in ``model``; applicants are looked up in ``suppliers``."""
        self.suppliers = suppliers
        self.officers = {
            1: CreditOfficer(model, self.cfg.tier1_approval, self.cfg, self.rng),
            2: CreditOfficer(model, self.cfg.tier2_approval, self.cfg, self.rng),
        }
        return mesa.agent.AgentSet(self.officers.values(), random=model.random)

    def review(self, op: LedgerOp, token: ReceivableState) -> Review:
        """Decision, delay and price for one application (a :class:`Finance` op)."""
        applicant = self.suppliers.get(op.sender)
        officer = self.officers[1 if applicant is None else applicant.tier]
        return officer.review(applicant)
