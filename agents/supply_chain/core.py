"""The core enterprise of case 1: confirms deliveries as receivables and pays them by its draws."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import mesa

from agents.supply_chain.events import DeliveryLost
from agents.supply_chain.population import Delivery
from agents.supply_chain.world import Firm, World
from products.ledger import Issue, OpResult, Repay, invoice_hash
from sim.kernel.calendar import DAY_S, FEN


@dataclass
class CoreEntry:
    """A receivable in the core's payables book."""

    face_fen: int
    repaid_fen: int = 0


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

    # ----------------------------------------------------------------- decisions

    def confirm_deliveries(self, deliveries: list[Delivery]) -> None:
        """Tier-1 deliveries become receivables in the daily confirmation run; a failed tier-1
        or its failed tier-2 means no delivery."""
        m, core = self.model, self.model.cfg.core
        for delivery in deliveries:
            tier1 = m.tier1[delivery.slot]
            tier2 = m.tier2_of(delivery.slot)
            if tier1.failed or (tier2 is not None and tier2.failed):
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
            m.send(self.issue_op(tier1, delivery), at, partial(self._issued, tier1, delivery))

    def issue_op(self, supplier: Firm, delivery: Delivery) -> Issue:
        """The issue operation for ``delivery`` to ``supplier``."""
        m = self.model
        return Issue(
            sender=self.address,
            supplier=supplier.address,
            face_fen=round(delivery.value_cny * FEN),
            due_s=m.timestamp(delivery.day * 24.0) + delivery.term_days * DAY_S,
            invoice_hash=invoice_hash("supply_chain", m.mode, delivery.index),
        )

    def pay_run(self, day: int) -> None:
        """The payment run: every receivable under each invoice it pays today."""
        at = day * 24 + self.model.cfg.core.payment_hour - self.model.cfg.core.run_lead_hours
        for token_id, amount in self.payments_due(day):
            repay = Repay(sender=self.address, token_id=token_id, amount_fen=amount)
            self.model.send(repay, at, partial(self._repaid, token_id, amount))

    # ----------------------------------------------------------------- results

    def _issued(self, supplier: Firm, delivery: Delivery, r: OpResult) -> None:
        if not r.ok or r.token_id is None or not isinstance(r.op, Issue):
            return
        face, due = r.op.face_fen, r.op.due_s
        self.issued_face_fen += face
        pay_day = None
        if delivery.pay_delay_days is not None:
            pay_day = delivery.day + delivery.term_days + math.ceil(delivery.pay_delay_days)
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
