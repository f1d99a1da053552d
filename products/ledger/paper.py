"""Paper ledger: the traditional counterfactual behind the same port.

Financing applications go through a manual review queue (delay, approval and price decided by a
:class:`Reviewer`, i.e. the bank's credit officers pricing the supplier on its own credit), and the
clerks' document checks miss a broken rule with a configured probability per fraud category: then
the op goes through anyway and the loss is recorded. With zero delay and zero miss rates it
behaves exactly like the contracts (the conformance suite checks this).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from products.ledger.cash import LEDGER, ZERO, Revert
from products.ledger.fake import FakeLedger
from products.ledger.port import Op, OpResult, Policy, ReceivableState, Status, Terms
from products.ledger.reference import discount_payout

FRAUD_RULES: dict[tuple[str, str], str] = {
    ("finance", "NotHolder"): "double_financing",
    ("finance", "AlreadyFinanced"): "double_financing",
    ("issue", "AccessControlUnauthorizedAccount"): "forged_receivable",
    ("cash_transfer_from", "ERC20InsufficientAllowance"): "unauthorised_disbursement",
    ("transfer", "NotHolder"): "transfer_of_financed",
    ("transfer", "AlreadyFinanced"): "transfer_of_financed",
}
FRAUD_CATEGORIES = (*sorted(set(FRAUD_RULES.values())), "paused_action")


@dataclass(frozen=True)
class Review:
    """A credit officer's decision on a financing application."""

    approved: bool
    delay_hours: float
    terms: Terms | None = None


class Reviewer(Protocol):
    """Decides each paper financing application (the traditional bank's credit process)."""

    def review(self, op: Op, token: ReceivableState) -> Review:
        """Decision, delay and price for ``op`` on ``token``."""
        ...


class InstantReviewer:
    """Approves at once at the financier's own terms (paper == contract)."""

    def review(self, op: Op, token: ReceivableState) -> Review:
        """Approve with no delay."""
        return Review(True, 0.0)


class PaperLedger(FakeLedger):
    """Traditional paper ledger implementing :class:`~products.ledger.port.LedgerPort`.

    Args:
        admin: account holding the admin role.
        policy: review policy (tenor, grace, default period, minimum).
        reviewer: the manual review process for ``finance`` ops.
        miss_prob: per fraud category, probability that the clerks miss the broken rule.
        rng: random stream for the clerks' misses.
    """

    def __init__(
        self,
        admin: str,
        policy: Policy,
        reviewer: Reviewer | None = None,
        miss_prob: dict[str, float] | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__(admin, policy)
        self.reviewer = reviewer or InstantReviewer()
        self.miss_prob = miss_prob or {}
        self.rng = rng or np.random.default_rng(0)
        self.forged: set[int] = set()
        self._reviews: list[tuple[int, int, Op, Review]] = []

    @property
    def pending(self) -> int:
        """Ops queued plus applications still under review."""
        return len(self._queue) + len(self._reviews)

    def step(self, timestamp_s: int) -> list[OpResult]:
        """Apply new ops in order, then every review that has finished by ``timestamp_s``."""
        self.state.now_s = timestamp_s
        queue, self._queue = self._queue, []
        self.tx_count += len(queue)
        results = [r for ticket, op in queue if (r := self._route(ticket, op, timestamp_s))]
        due = [item for item in self._reviews if item[0] <= timestamp_s]
        self._reviews = [item for item in self._reviews if item[0] > timestamp_s]
        for _, ticket, op, review in sorted(due, key=lambda item: (item[0], item[1])):
            results.append(self._decide(ticket, op, review, timestamp_s))
        return results

    def _route(self, ticket: int, op: Op, now_s: int) -> OpResult | None:
        if op.kind != "finance" or op.args[0] not in self.state.tokens or self.state.paused:
            # unknown receivables and applications during a freeze are refused at intake
            # (unless the clerks miss it), before any review
            return self.execute(ticket, op, now_s)
        review = self.reviewer.review(op, self.state.tokens[op.args[0]])
        if review.delay_hours <= 0:
            return self._decide(ticket, op, review, now_s)
        self._reviews.append((now_s + round(review.delay_hours * 3600), ticket, op, review))
        return None

    def _decide(self, ticket: int, op: Op, review: Review, now_s: int) -> OpResult:
        if not review.approved:
            return OpResult(op, ticket, False, "ReviewRejected", (), now_s)
        priced = replace(op, args=(*op.args[:2], review.terms)) if review.terms else op
        result = self.execute(ticket, priced, now_s)
        result = replace(result, op=op)
        if result.ok and op.args[0] in self.forged and result.fraud is None:
            return replace(result, fraud="forged_receivable", fraud_loss=result.payout or 0)
        return result

    def execute(self, ticket: int, op: Op, timestamp_s: int) -> OpResult:
        """Apply ``op``; a broken rule the clerks miss goes through as recorded fraud."""
        result = super().execute(ticket, op, timestamp_s)
        if result.ok or result.error is None:
            return result
        category = FRAUD_RULES.get((op.kind, result.error))
        if result.error == "EnforcedPause":
            category = "paused_action"
        if category is None or self.rng.random() >= self.miss_prob.get(category, 0.0):
            return result
        forced = self._force(category, op)
        if forced is None:
            return result
        return replace(
            result, ok=True, error=None, error_args=(), fraud=category,
            fraud_loss=forced.get("loss", 0), token_id=forced.get("token_id"),
            payout=forced.get("payout"),
        )  # fmt: skip

    def _force(self, category: str, op: Op) -> dict[str, int] | None:
        """Carry out ``op`` despite the broken rule: loss/token_id/payout, or None if impossible."""
        state = self.state
        if category == "paused_action":
            state.paused = False
            try:
                return state.apply(op.kind, op.sender, op.args)
            except Revert:
                return None
            finally:
                state.paused = True
        if category == "forged_receivable":
            return self._forge(op)
        if category == "unauthorised_disbursement":
            owner, to, amount = op.args
            moved = min(amount, state.balances.get(owner, 0))
            state.balances[owner] = state.balances.get(owner, 0) - moved
            state.balances[to] = state.balances.get(to, 0) + moved
            return {"loss": moved}
        token = state.tokens[op.args[0]]
        if category == "transfer_of_financed":
            state.tokens[token.id] = replace(token, holder=op.args[1])
            return {"loss": token.face_value - token.repaid}
        return self._pay_twice(op, token)

    def _pay_twice(self, op: Op, token: ReceivableState) -> dict[str, int] | None:
        state, financier = self.state, op.args[1]
        terms = state.terms.get(financier)
        if terms is None or state.now_s >= token.due_date:
            return None
        payout = discount_payout(token.face_value, token.due_date - state.now_s, terms)
        if state.balances.get(financier, 0) < payout:
            return None
        state._pull(financier, LEDGER, op.sender, payout)
        return {"loss": payout, "payout": payout}

    def _forge(self, op: Op) -> dict[str, int] | None:
        state = self.state
        # The forger names the core whose paper the bank buys most readily: the largest free line.
        cores = sorted(
            state.roles.get("CORE_ROLE", set()), key=lambda c: (-state.available_line(c), c)
        )
        supplier, face, due, inv = op.args
        if not cores or inv in state.invoice_used or face <= 0:
            return None
        token = ReceivableState(
            state.next_id, cores[0], supplier, state.now_s, Status.ACCEPTED, ZERO, due, face, 0,
            0, 0, state.next_id, inv,
        )  # fmt: skip
        token_id = state._mint_token(token)
        self.forged.add(token_id)
        return {"token_id": token_id}
