"""Adversarial tier-1 suppliers: the same firm as any supplier, plus scheduled attacks.

Each attack becomes the same typed operations on either ledger; the chain's contract rules block
them, the paper clerks miss some (the paper adapter's result says which fraud went through).
"""

from __future__ import annotations

from functools import partial

from agents.supply_chain.events import AttackOutcome, AttackPlanned
from agents.supply_chain.population import Attack
from agents.supply_chain.supplier import Supplier
from agents.supply_chain.world import Holding, OnResult
from products.ledger import (
    CashTransferFrom,
    Finance,
    Issue,
    LedgerOp,
    OpResult,
    PaperResult,
    Pause,
    Transfer,
    Unpause,
    invoice_hash,
)
from sim.kernel.calendar import DAY_S, FEN

#: An attack op and what to do with its result (None: an admin op nobody waits for).
Planned = tuple[LedgerOp, OnResult | None]


def _fraud_loss_fen(r: OpResult) -> int:
    """Money lost to a fraud the paper clerks missed (the chain never reports any)."""
    return r.fraud_loss if isinstance(r, PaperResult) else 0


class Adversary(Supplier):
    """A tier-1 supplier that also attacks the ledger on its schedule."""

    def attack(self, plan: Attack) -> None:
        """Send the operations of one scheduled attempt (skipped when there is no target)."""
        if self.failed:
            return
        ops = self._attack_ops(plan)
        self.model.emit(
            AttackPlanned(
                t_hours=self.model.now_hours, agent=self.address, attack=plan.kind, skipped=not ops
            )
        )
        for op, done in ops:
            self.model.send(op, plan.day * 24 + plan.hour, done)

    def _newest(self, state: str) -> Holding | None:
        held = sorted(
            (h for h in self.holdings.values() if h.state == state), key=lambda h: h.token_id
        )
        return held[-1] if held else None

    def _attack_ops(self, plan: Attack) -> list[Planned]:
        m, me = self.model, self.address
        bank, adv = m.bank.address, m.cfg.adversaries
        size_fen = round(float(m.pop.tier1_sales_cny[plan.slot]) * adv.attack_size_months * FEN)
        done = partial(self._attempted, plan.kind)
        if plan.kind in ("double_financing", "transfer_of_financed"):
            target = self._newest("financed")
            if target is None:
                return []
            if plan.kind == "double_financing":
                return [(Finance(sender=me, token_id=target.token_id, financier=bank), done)]
            victim = m.tier1[(plan.slot + 1) % len(m.tier1)].address
            return [(Transfer(sender=me, token_id=target.token_id, to=victim), done)]
        if plan.kind == "forged_receivable":
            due = m.timestamp() + adv.forged_due_days * DAY_S
            inv = invoice_hash("forged", plan.day, plan.slot, plan.hour)
            forged = Issue(sender=me, supplier=me, face_fen=size_fen, due_s=due, invoice_hash=inv)
            return [(forged, done)]
        if plan.kind == "unauthorised_disbursement":
            return [(CashTransferFrom(sender=me, owner=bank, to=me, amount_fen=size_fen), done)]
        target = self._newest("accepted")
        if target is None:
            return []
        target.state = "applying"
        finance = Finance(sender=me, token_id=target.token_id, financier=bank)
        return [(Pause(sender=m.admin), None), (finance, done), (Unpause(sender=m.admin), None)]

    def _report(self, kind: str, step: str, r: OpResult) -> int:
        loss = _fraud_loss_fen(r)
        outcome = AttackOutcome(
            t_hours=self.model.now_hours,
            agent=self.address,
            amount=loss / FEN,
            attack=kind,
            step=step,
            ok=r.ok,
            error=r.error,
            tx=r.tx_hash,
            fraud_loss_fen=loss,
        )
        self.model.emit(outcome)
        return loss

    def _cashed_out(self, kind: str, r: OpResult) -> None:
        self._report(kind, "cashout", r)
        if r.ok:
            self.receive(r.payout or 0)

    def _attempted(self, kind: str, r: OpResult) -> None:
        """Apply what a blocked or successful attempt does to the books."""
        loss = self._report(kind, "attempt", r)
        op = r.op
        if not r.ok:
            if isinstance(op, Finance) and kind == "paused_action":
                holding = self.holdings.get(op.token_id)
                if holding is not None and holding.state == "applying":
                    holding.state = "accepted"
            return
        m = self.model
        if kind == "forged_receivable" and r.token_id is not None:
            cashout = Finance(sender=self.address, token_id=r.token_id, financier=m.bank.address)
            delay = m.cfg.adversaries.cashout_delay_hours
            m.send(cashout, m.now_hours + delay, partial(self._cashed_out, kind))
        elif isinstance(op, Transfer):
            victim = m.by_address.get(op.to)
            if victim is not None:
                m.owner[op.token_id] = victim
        elif isinstance(op, Finance | CashTransferFrom):
            self.receive(r.payout or loss)
            holding = self.holdings.get(op.token_id) if isinstance(op, Finance) else None
            if holding is not None and kind == "paused_action":
                holding.state = "financed"
                m.bank.take_financed(holding, r.payout or 0)
