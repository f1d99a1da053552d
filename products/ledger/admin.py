"""Reference model of ``ReceivableLedger.sol``'s administration: roles, policy, freeze, terms,
credit lines (same checks, same order, same error names as the contract)."""

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

BPS = 10_000


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
