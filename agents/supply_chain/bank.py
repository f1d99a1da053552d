"""The bank of case 1: the financier's book and pricing, and the paper mode's credit officers.

On chain the bank's terms, the core's credit line and the automatic review live in the contract;
on paper its credit officers review each application by hand and price the supplier on its own
credit (:class:`CreditDesk` is the paper ledger's ``Reviewer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import mesa
import numpy as np

from agents.supply_chain.events import ExposureReviewed
from agents.supply_chain.schema import BankConfig, FinancingDecisionConfig
from agents.supply_chain.supplier import Offer, Supplier
from agents.supply_chain.world import Holding, World
from products.ledger import LedgerOp, OpResult, ReceivableState, Review, SetCreditLine, Terms
from sim.kernel.calendar import FEN


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

    def offer(self, supplier: Supplier) -> Offer:
        """What discounting costs ``supplier`` here: core-credit pricing and a signed request on
        the platform, or its own-credit rate, the documents and the manual review wait on paper."""
        bank, fin = self.cfg, self.financing
        if self.own_credit_pricing:
            rate_bps, hassle_cny = supplier.own_rate_bps, fin.hassle_paper_cny
            wait_days = bank.review_mean_days
        else:
            rate_bps, hassle_cny, wait_days = bank.core_rate_bps, fin.hassle_chain_cny, 0.0
        min_face_fen = round(bank.min_amount_cny * FEN)
        return Offer(
            rate_bps, bank.fee_bps, hassle_cny, wait_days, min_face_fen, bank.max_tenor_days
        )

    def take_financed(self, holding: Holding, payout_fen: int) -> None:
        """The bank now holds ``holding`` (it paid ``payout_fen`` for it)."""
        self.model.owner[holding.token_id] = self
        self.book.financed[holding.token_id] = (holding.face_fen, payout_fen, holding.due_s)

    def collect(self, token_id: int, amount_fen: int) -> None:
        """The core paid ``amount_fen`` of a receivable the bank holds."""
        self.book.collected[token_id] = self.book.collected.get(token_id, 0) + amount_fen

    def flagged(self, kind: str, token_id: int, r: OpResult) -> None:
        """The result of a holder's lifecycle flag (overdue / default / write_off) on a
        receivable; the bank books those on receivables it financed."""
        if not r.ok or token_id not in self.book.financed:
            return
        if kind == "overdue":
            self.book.overdue.add(token_id)
        if kind == "write_off":
            face, _, _ = self.book.financed[token_id]
            self.book.written_off.add(token_id)
            self.book.written_off_fen += face - self.book.collected.get(token_id, 0)

    def monthly_review(self) -> None:
        """Read on-ledger exposure and cut the core's line if overdue exposure is high."""
        m = self.model
        outstanding = m.ledger.financed_outstanding(m.core.address)
        new_line = self.review_line(
            outstanding, self.cfg.line_cut_overdue_share, self.cfg.line_cut_factor
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
