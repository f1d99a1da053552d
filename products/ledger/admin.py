"""Reference model of ``ReceivableLedger.sol``'s administration (roles, policy, freeze, terms,
credit lines) and of the automatic review those settings drive: same checks, same order, same
error names and the same integer arithmetic as the contract."""

from __future__ import annotations

from products.ledger.cash import ADMIN_ROLE, ReferenceCash, Revert
from products.ledger.ops import (
    AttestExposure,
    GrantRole,
    Pause,
    Policy,
    RevokeRole,
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


def check_policy(policy: Policy) -> None:
    """The contract's ``_setPolicy`` ranges: a tenor, and no default before the grace ends."""
    if policy.max_tenor_s == 0:
        raise Revert("ReceivableLedgerPolicyZeroTenor")
    if policy.default_period_s < policy.grace_period_s:
        raise Revert(
            "ReceivableLedgerPolicyDefaultBeforeGrace",
            policy.grace_period_s,
            policy.default_period_s,
        )


class ReferenceAdmin(ReferenceCash):
    """Settlement cash plus the ledger's administrative state.

    Credit lines and financed outstanding are kept per ``(financier, core)``; ``financiers``
    lists each core's financiers in the order their first line was set (the contract's array).

    Args:
        admin: account holding the admin and minter roles.
        policy: initial automatic-review policy (Revert if outside its ranges, as the
            contract's constructor reverts).
    """

    def __init__(self, admin: str, policy: Policy) -> None:
        super().__init__(admin)
        check_policy(policy)
        self.policy = policy
        self.paused = False
        self.terms: dict[str, Terms] = {}
        self.credit_line: dict[tuple[str, str], int] = {}
        self.outstanding: dict[tuple[str, str], int] = {}
        self.financiers: dict[str, list[str]] = {}
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

    def revoke_role(self, op: RevokeRole) -> dict[str, int]:
        self._only_role(ADMIN_ROLE, op.sender)
        self.roles.get(op.role, set()).discard(op.account)
        return {}

    def set_policy(self, op: SetPolicy) -> dict[str, int]:
        self._only_role(ADMIN_ROLE, op.sender)
        check_policy(op.policy)
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
        financier, sender = op.line_owner, op.sender
        if financier == sender:
            self._only_role("FINANCIER_ROLE", sender)
        elif not self.has_role(ADMIN_ROLE, sender):
            raise Revert("ReceivableLedgerNotLineOwner", financier, sender)
        elif not self.has_role("FINANCIER_ROLE", financier):
            raise Revert("ReceivableLedgerNotFinancier", financier)
        listed = self.financiers.setdefault(op.core, [])
        if financier not in listed:
            listed.append(financier)
        self.credit_line[(financier, op.core)] = op.line_fen
        return {}

    def attest_exposure(self, op: AttestExposure) -> dict[str, int]:
        self._only_role("AUDITOR_ROLE", op.sender)
        actual = self.financed_outstanding(op.core)
        if op.outstanding_fen != actual:
            raise Revert("ReceivableLedgerAttestationMismatch", op.core, op.outstanding_fen, actual)
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
        available = self.available_line(token.issuer, financier)
        if face > available:
            raise Revert(
                "ReceivableLedgerCreditLineExceeded", financier, token.issuer, face, available
            )
        applied = terms or self.terms.get(financier, Terms(0, 0, 0))
        if applied.advance_cap_bps == 0:
            raise Revert("ReceivableLedgerInvalidTerms", applied.rate_bps, applied.fee_bps, 0)
        return discount_payout(face, tenor, applied)

    def available_line(self, core: str, financier: str | None = None) -> int:
        """``financier``'s line for ``core`` minus its financed outstanding, floored at zero;
        summed over ``core``'s financiers when ``financier`` is None."""
        if financier is None:
            return sum(self.available_line(core, f) for f in self.financiers.get(core, []))
        key = (financier, core)
        return max(self.credit_line.get(key, 0) - self.outstanding.get(key, 0), 0)

    def financed_outstanding(self, core: str, financier: str | None = None) -> int:
        """Financed, unpaid face of ``core`` at ``financier`` (all financiers when None)."""
        if financier is None:
            return sum(self.outstanding.get((f, core), 0) for f in self.financiers.get(core, []))
        return self.outstanding.get((financier, core), 0)

    def add_outstanding(self, financier: str, core: str, delta_fen: int) -> None:
        """Move ``financier``'s financed outstanding on ``core`` by ``delta_fen``."""
        key = (financier, core)
        self.outstanding[key] = self.outstanding.get(key, 0) + delta_fen
