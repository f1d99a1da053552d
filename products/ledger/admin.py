"""Reference model of ``ReceivableLedger.sol``'s administration (roles, policy, freeze, terms,
credit lines) and of the automatic review those settings drive: same checks, same order, same
error names and the same integer arithmetic as the contract."""

from __future__ import annotations

from products.ledger.cash import ADMIN_ROLE, ReferenceCash, Revert
from products.ledger.ops import (
    GrantRole,
    Pause,
    Policy,
    SetCreditLine,
    SetPolicy,
    SetTerms,
    Terms,
    Unpause,
)
from products.ledger.port import ReceivableState
from sim.kernel.calendar import DAY_S

BPS = 10_000
YEAR_S = 365 * DAY_S


def discount_payout(face: int, tenor_s: int, terms: Terms) -> int:
    """Advance for ``face`` fen maturing in ``tenor_s``: the contract's integer formula."""
    charge = face * terms.rate_bps * tenor_s // (YEAR_S * BPS) + face * terms.fee_bps // BPS
    if charge >= face:
        raise Revert(
            "ReceivableLedgerInvalidTerms", terms.rate_bps, terms.fee_bps, terms.advance_cap_bps
        )
    cap = face * terms.advance_cap_bps // BPS
    return min(face - charge, cap)


class ReferenceAdmin(ReferenceCash):
    """Settlement cash plus the ledger's administrative state.

    Args:
        admin: account holding the admin and minter roles.
        policy: initial automatic-review policy.
    """

    def __init__(self, admin: str, policy: Policy) -> None:
        super().__init__(admin)
        self.policy = policy
        self.paused = False
        self.terms: dict[str, Terms] = {}
        self.credit_line: dict[str, int] = {}
        self.outstanding: dict[str, int] = {}
        self.now_s = 0

    def _not_paused(self) -> None:
        if self.paused:
            raise Revert("EnforcedPause")

    # ----------------------------------------------------------------- administration

    def grant_role(self, op: GrantRole) -> dict[str, int]:
        sender, role, account = op.sender, op.role, op.account
        self._only_role(ADMIN_ROLE, sender)
        self.roles.setdefault(role, set()).add(account)
        return {}

    def set_policy(self, op: SetPolicy) -> dict[str, int]:
        self._only_role(ADMIN_ROLE, op.sender)
        self.policy = op.policy
        return {}

    def pause(self, op: Pause) -> dict[str, int]:
        self._only_role(ADMIN_ROLE, op.sender)
        self._not_paused()
        self.paused = True
        return {}

    def unpause(self, op: Unpause) -> dict[str, int]:
        self._only_role(ADMIN_ROLE, op.sender)
        if not self.paused:
            raise Revert("ExpectedPause")
        self.paused = False
        return {}

    def set_terms(self, op: SetTerms) -> dict[str, int]:
        sender, terms = op.sender, op.terms
        self._only_role("FINANCIER_ROLE", sender)
        cap, fee = terms.advance_cap_bps, terms.fee_bps
        if cap == 0 or cap > BPS or fee >= BPS:
            raise Revert("ReceivableLedgerInvalidTerms", terms.rate_bps, fee, cap)
        self.terms[sender] = terms
        return {}

    def set_credit_line(self, op: SetCreditLine) -> dict[str, int]:
        self._only_role("FINANCIER_ROLE", op.sender)
        self.credit_line[op.core] = op.line_fen
        return {}

    def quote(self, token: ReceivableState, financier: str, terms: Terms | None = None) -> int:
        """The automatic review of ``finance``: the payout, or Revert with the failed rule."""
        policy = self.policy
        face = token.face_value
        if face < policy.min_amount:
            raise Revert("ReceivableLedgerBelowMinimum", face, policy.min_amount)
        if self.now_s >= token.due_date:
            raise Revert("ReceivableLedgerReceivableMatured", token.id, token.due_date)
        tenor = token.due_date - self.now_s
        if tenor > policy.max_tenor_s:
            raise Revert("ReceivableLedgerTenorTooLong", tenor, policy.max_tenor_s)
        available = self.available_line(token.issuer)
        if face > available:
            raise Revert("ReceivableLedgerCreditLineExceeded", token.issuer, face, available)
        applied = terms or self.terms.get(financier, Terms(0, 0, 0))
        if applied.advance_cap_bps == 0:
            raise Revert("ReceivableLedgerInvalidTerms", applied.rate_bps, applied.fee_bps, 0)
        return discount_payout(face, tenor, applied)

    def available_line(self, core: str) -> int:
        """Credit line minus financed outstanding, floored at zero."""
        return max(self.credit_line.get(core, 0) - self.outstanding.get(core, 0), 0)
