"""Paper ledger: the traditional counterfactual behind the same port.

Financing applications go through a manual review queue (delay, approval and price decided by a
:class:`Reviewer`, i.e. the bank's credit officers pricing the supplier on its own credit), and the
clerks' document checks miss a broken rule with a configured probability per fraud category: then
the op goes through anyway and the loss is recorded in the paper ledger's own result type,
:class:`PaperResult`. With zero delay and zero miss rates it behaves exactly like the contracts
(the conformance suite checks this).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from products.ledger.admin import discount_payout
from products.ledger.cash import LEDGER, Revert
from products.ledger.fake import FakeLedger
from products.ledger.ops import (
    CashTransferFrom,
    Finance,
    Issue,
    LedgerOp,
    Policy,
    Terms,
    Transfer,
)
from products.ledger.port import OpResult, ReceivableState, Status
from sim.kernel.calendar import DAY_S, HOURS_PER_DAY

HOUR_S = DAY_S // HOURS_PER_DAY
REVIEW_REJECTED = "ReviewRejected"  # the credit officers said no (a paper outcome, not a revert)
FRAUD_RULES: dict[tuple[type[LedgerOp], str], str] = {
    (Finance, "ReceivableLedgerNotHolder"): "double_financing",
    (Finance, "ReceivableLedgerAlreadyFinanced"): "double_financing",
    (Issue, "AccessControlUnauthorizedAccount"): "forged_receivable",
    (CashTransferFrom, "ERC20InsufficientAllowance"): "unauthorised_disbursement",
    (Transfer, "ReceivableLedgerNotHolder"): "transfer_of_financed",
    (Transfer, "ReceivableLedgerAlreadyFinanced"): "transfer_of_financed",
}
FRAUD_CATEGORIES = (*sorted(set(FRAUD_RULES.values())), "paused_action")


@dataclass(frozen=True, kw_only=True)
class PaperResult(OpResult):
    """An op's outcome on paper, with what only paper can have.

    Attributes:
        fraud: the rule a clerk failed to enforce (None when the rules held).
        fraud_loss: money lost to that failure, in fen.
    """

    fraud: str | None = None
    fraud_loss: int = 0


@dataclass(frozen=True)
class Review:
    """A credit officer's decision on a financing application."""

    approved: bool
    delay_hours: float
    terms: Terms | None = None


class Reviewer(Protocol):
    """Decides each paper financing application (the traditional bank's credit process)."""

    def review(self, op: Finance, token: ReceivableState) -> Review:
        """Decision, delay and price for ``op`` on ``token``."""
        ...


class InstantReviewer:
    """Approves at once at the financier's own terms (paper == contract)."""

    def review(self, op: Finance, token: ReceivableState) -> Review:
        """Approve with no delay."""
        return Review(True, 0.0)


class PaperLedger(FakeLedger):
    """Traditional paper ledger implementing :class:`~products.ledger.port.LedgerPort`.

    Its results are :class:`PaperResult` values.

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
        self._reviews: list[tuple[int, int, Finance, Review]] = []

    @property
    def pending(self) -> int:
        """Ops queued plus applications still under review."""
        return len(self._queue) + len(self._reviews)

    def step(self, timestamp_s: int) -> list[OpResult]:
        """Apply new ops in order, then every review that has finished by ``timestamp_s``."""
        self.state.now_s = timestamp_s
        queue, self._queue = self._queue, []
        self.tx_count += len(queue)
        results: list[OpResult] = [
            r for op_id, op in queue if (r := self._route(op_id, op, timestamp_s))
        ]
        due = [item for item in self._reviews if item[0] <= timestamp_s]
        self._reviews = [item for item in self._reviews if item[0] > timestamp_s]
        for _, op_id, op, review in sorted(due, key=lambda item: (item[0], item[1])):
            results.append(self._decide(op_id, op, review, timestamp_s))
        return results

    def _route(self, op_id: int, op: LedgerOp, now_s: int) -> PaperResult | None:
        if not isinstance(op, Finance) or op.token_id not in self.state.tokens or self.state.paused:
            # unknown receivables and applications during a freeze are refused at intake
            # (unless the clerks miss it), before any review
            return self.execute(op_id, op, now_s)
        review = self.reviewer.review(op, self.state.tokens[op.token_id])
        if review.delay_hours <= 0:
            return self._decide(op_id, op, review, now_s)
        decided_s = now_s + round(review.delay_hours * HOUR_S)
        self._reviews.append((decided_s, op_id, op, review))
        return None

    def _decide(self, op_id: int, op: Finance, review: Review, now_s: int) -> PaperResult:
        if not review.approved:
            return PaperResult(op=op, op_id=op_id, ok=False, error=REVIEW_REJECTED, time_s=now_s)
        result = self.execute(op_id, op, now_s, review.terms)
        if result.ok and op.token_id in self.forged and result.fraud is None:
            return replace(result, fraud="forged_receivable", fraud_loss=result.payout or 0)
        return result

    def execute(
        self, op_id: int, op: LedgerOp, timestamp_s: int, terms: Terms | None = None
    ) -> PaperResult:
        """Apply ``op`` (a financing at ``terms`` if the review priced it); a broken rule the
        clerks miss goes through as recorded fraud."""
        try:
            out = self.state.apply(op, terms)
        except Revert as err:
            return self._missed(op_id, op, err, timestamp_s, terms)
        return PaperResult(
            op=op,
            op_id=op_id,
            ok=True,
            time_s=timestamp_s,
            token_id=out.get("token_id"),
            payout=out.get("payout"),
        )

    def _missed(
        self, op_id: int, op: LedgerOp, err: Revert, now_s: int, terms: Terms | None
    ) -> PaperResult:
        """The rejection, unless the clerks miss the broken rule and the op goes through."""
        rejected = PaperResult(
            op=op, op_id=op_id, ok=False, error=err.name, error_args=err.error_args, time_s=now_s
        )
        category = FRAUD_RULES.get((type(op), err.name))
        if err.name == "EnforcedPause":
            category = "paused_action"
        if category is None or self.rng.random() >= self.miss_prob.get(category, 0.0):
            return rejected
        forced = self._force(category, op, terms)
        if forced is None:
            return rejected
        return PaperResult(
            op=op,
            op_id=op_id,
            ok=True,
            time_s=now_s,
            fraud=category,
            fraud_loss=forced.get("loss", 0),
            token_id=forced.get("token_id"),
            payout=forced.get("payout"),
        )

    def _force(self, category: str, op: LedgerOp, terms: Terms | None) -> dict[str, int] | None:
        """Carry out ``op`` despite the broken rule: loss/token_id/payout, or None if impossible."""
        state = self.state
        if category == "paused_action":
            state.paused = False
            try:
                return state.apply(op, terms)
            except Revert:
                return None
            finally:
                state.paused = True
        if isinstance(op, Issue):
            return self._forge(op)
        if isinstance(op, CashTransferFrom):
            moved = min(op.amount_fen, state.balances.get(op.owner, 0))
            state.balances[op.owner] = state.balances.get(op.owner, 0) - moved
            state.balances[op.to] = state.balances.get(op.to, 0) + moved
            return {"loss": moved}
        if isinstance(op, Transfer):
            token = state.tokens[op.token_id]
            state.tokens[token.id] = replace(token, holder=op.to)
            return {"loss": token.face_value - token.repaid}
        if isinstance(op, Finance):
            return self._pay_twice(op, state.tokens[op.token_id])
        return None

    def _pay_twice(self, op: Finance, token: ReceivableState) -> dict[str, int] | None:
        state, financier = self.state, op.financier
        terms = state.terms.get(financier)
        if terms is None or state.now_s >= token.due_date:
            return None
        payout = discount_payout(token.face_value, token.due_date - state.now_s, terms)
        if state.balances.get(financier, 0) < payout:
            return None
        state._pull(financier, LEDGER, op.sender, payout)
        return {"loss": payout, "payout": payout}

    def _forge(self, op: Issue) -> dict[str, int] | None:
        state = self.state
        # The forger names the core whose paper the bank buys most readily: the largest free line.
        cores = sorted(
            state.roles.get("CORE_ROLE", set()), key=lambda c: (-state.available_line(c), c)
        )
        if not cores or op.invoice_hash in state.invoice_used or op.face_fen <= 0:
            return None
        token_id = state._mint_token(state.new_token(cores[0], op.supplier, Status.ACCEPTED, op))
        self.forged.add(token_id)
        return {"token_id": token_id}
