"""Pure-Python reference model of ``ReceivableLedger.sol`` + ``SettlementToken.sol``.

Same rules, same check order, same error names, same integer arithmetic as the contracts, so the
stateful property test can demand identical states and balances. Every public method either
commits all its effects or raises :class:`Revert` having changed nothing (like an EVM revert).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eth_utils import keccak

from products.ledger.cash import ADMIN_ROLE, LEDGER, ZERO, ReferenceCash, Revert
from products.ledger.port import Policy, ReceivableState, Status, Terms

BPS = 10_000
YEAR_S = 365 * 86_400
LIVE = (Status.ISSUED, Status.ACCEPTED, Status.FINANCED, Status.PARTIALLY_REPAID)
UINT128_MAX = 2**128 - 1


def discount_payout(face: int, tenor_s: int, terms: Terms) -> int:
    """Advance for ``face`` fen maturing in ``tenor_s``: the contract's integer formula."""
    charge = face * terms.rate_bps * tenor_s // (YEAR_S * BPS) + face * terms.fee_bps // BPS
    if charge >= face:
        raise Revert("InvalidTerms", terms.rate_bps, terms.fee_bps, terms.advance_cap_bps)
    cap = face * terms.advance_cap_bps // BPS
    return min(face - charge, cap)


class ReferenceLedger(ReferenceCash):
    """In-memory receivables ledger and settlement cash with the contracts' semantics."""

    def __init__(self, admin: str, policy: Policy) -> None:
        super().__init__(admin)
        self.policy = policy
        self.paused = False
        self.next_id = 1
        self.tokens: dict[int, ReceivableState] = {}
        self.invoice_used: set[str] = set()
        self.terms: dict[str, Terms] = {}
        self.credit_line: dict[str, int] = {}
        self.outstanding: dict[str, int] = {}
        self.now_s = 0

    # ----------------------------------------------------------------- dispatch

    def apply(self, kind: str, sender: str, args: tuple[Any, ...]) -> dict[str, int]:
        """Run one op; returns ``{"token_id": ..}`` / ``{"payout": ..}`` or ``{}``; raises Revert."""
        handler = getattr(self, f"op_{kind}")
        result: dict[str, int] = handler(sender, *args)
        return result

    def _not_paused(self) -> None:
        if self.paused:
            raise Revert("EnforcedPause")

    # ----------------------------------------------------------------- administration

    def op_grant_role(self, sender: str, role: str, account: str) -> dict[str, int]:
        self._only_role(ADMIN_ROLE, sender)
        self.roles.setdefault(role, set()).add(account)
        return {}

    def op_set_policy(self, sender: str, *values: int) -> dict[str, int]:
        self._only_role(ADMIN_ROLE, sender)
        self.policy = Policy(*values)
        return {}

    def op_pause(self, sender: str) -> dict[str, int]:
        self._only_role(ADMIN_ROLE, sender)
        self._not_paused()
        self.paused = True
        return {}

    def op_unpause(self, sender: str) -> dict[str, int]:
        self._only_role(ADMIN_ROLE, sender)
        if not self.paused:
            raise Revert("ExpectedPause")
        self.paused = False
        return {}

    def op_set_terms(self, sender: str, rate: int, fee: int, cap: int) -> dict[str, int]:
        self._only_role("FINANCIER_ROLE", sender)
        if cap == 0 or cap > BPS or fee >= BPS:
            raise Revert("InvalidTerms", rate, fee, cap)
        self.terms[sender] = Terms(rate, fee, cap)
        return {}

    def op_set_credit_line(self, sender: str, core: str, line: int) -> dict[str, int]:
        self._only_role("FINANCIER_ROLE", sender)
        self.credit_line[core] = line
        return {}

    # ----------------------------------------------------------------- lifecycle

    def _existing(self, token_id: int) -> ReceivableState:
        token = self.tokens.get(token_id)
        if token is None:
            raise Revert("ERC721NonexistentToken", token_id)
        return token

    def _holder_only(self, token_id: int, sender: str) -> ReceivableState:
        token = self._existing(token_id)
        if token.holder != sender:
            raise Revert("NotHolder", token_id, sender)
        return token

    def _mint_token(self, token: ReceivableState) -> int:
        self.tokens[token.id] = token
        self.invoice_used.add(token.invoice_hash)
        self.next_id = token.id + 1
        return token.id

    def op_issue(self, sender: str, supplier: str, face: int, due: int, inv: str) -> dict[str, int]:
        self._only_role("CORE_ROLE", sender)
        self._not_paused()
        if not self.has_role("SUPPLIER_ROLE", supplier):
            raise Revert("NotSupplier", supplier)
        if face == 0:
            raise Revert("ZeroAmount")
        if face > UINT128_MAX:
            raise Revert("AmountOverflow", face)
        if due <= self.now_s:
            raise Revert("DueDateNotInFuture", due, self.now_s)
        if inv in self.invoice_used:
            raise Revert("DuplicateInvoice", inv)
        token = ReceivableState(
            self.next_id, sender, supplier, self.now_s, Status.ISSUED, ZERO, due, face, 0, 0, 0,
            self.next_id, inv,
        )  # fmt: skip
        return {"token_id": self._mint_token(token)}

    def op_accept(self, sender: str, token_id: int) -> dict[str, int]:
        self._not_paused()
        token = self._holder_only(token_id, sender)
        if token.status != Status.ISSUED:
            raise Revert("InvalidStatus", token_id, token.status)
        self.tokens[token_id] = replace(token, status=Status.ACCEPTED)
        return {}

    def op_split(self, sender: str, token_id: int, to: str, amount: int) -> dict[str, int]:
        self._not_paused()
        parent = self._holder_only(token_id, sender)
        if parent.status != Status.ACCEPTED:
            raise Revert("InvalidStatus", token_id, parent.status)
        if not self.has_role("SUPPLIER_ROLE", to):
            raise Revert("NotSupplier", to)
        if amount == 0:
            raise Revert("ZeroAmount")
        if amount >= parent.face_value:
            raise Revert("SplitTooLarge", token_id, amount, parent.face_value)
        child_id = self.next_id
        self.tokens[token_id] = replace(parent, face_value=parent.face_value - amount)
        child_hash = child_invoice_hash(parent.invoice_hash, child_id)
        child = ReceivableState(
            child_id, parent.issuer, to, self.now_s, Status.ISSUED, ZERO, parent.due_date, amount,
            0, 0, token_id, parent.root_id, child_hash,
        )  # fmt: skip
        return {"token_id": self._mint_token(child)}

    def op_transfer(self, sender: str, token_id: int, to: str) -> dict[str, int]:
        if sender == ZERO:
            raise Revert("NotHolder", token_id, sender)
        if to == ZERO:
            raise Revert("ERC721InvalidReceiver", to)
        self._not_paused()
        token = self.tokens.get(token_id)
        if token is None or token.holder != sender:
            raise Revert("NotHolder", token_id, sender)
        if token.financier != ZERO:
            raise Revert("AlreadyFinanced", token_id)
        if token.status != Status.ACCEPTED:
            raise Revert("InvalidStatus", token_id, token.status)
        if not self.has_role("SUPPLIER_ROLE", to):
            raise Revert("NotSupplier", to)
        self.tokens[token_id] = replace(token, holder=to)
        return {}

    def quote(self, token: ReceivableState, financier: str, terms: Terms | None = None) -> int:
        """The automatic review of ``finance``: the payout, or Revert with the failed rule."""
        policy = self.policy
        face = token.face_value
        if face < policy.min_amount:
            raise Revert("BelowMinimum", face, policy.min_amount)
        if self.now_s >= token.due_date:
            raise Revert("ReceivableMatured", token.id, token.due_date)
        tenor = token.due_date - self.now_s
        if tenor > policy.max_tenor_s:
            raise Revert("TenorTooLong", tenor, policy.max_tenor_s)
        available = self.available_line(token.issuer)
        if face > available:
            raise Revert("CreditLineExceeded", token.issuer, face, available)
        applied = terms or self.terms.get(financier, Terms(0, 0, 0))
        if applied.advance_cap_bps == 0:
            raise Revert("InvalidTerms", applied.rate_bps, applied.fee_bps, 0)
        return discount_payout(face, tenor, applied)

    def op_finance(
        self, sender: str, token_id: int, financier: str, terms: Terms | None = None
    ) -> dict[str, int]:
        self._not_paused()
        token = self._holder_only(token_id, sender)
        if token.financier != ZERO:
            raise Revert("AlreadyFinanced", token_id)
        if token.status != Status.ACCEPTED:
            raise Revert("InvalidStatus", token_id, token.status)
        if not self.has_role("FINANCIER_ROLE", financier):
            raise Revert("NotFinancier", financier)
        payout = self.quote(token, financier, terms)
        self._check_pull(financier, LEDGER, payout)
        self.tokens[token_id] = replace(
            token, status=Status.FINANCED, financier=financier, advance=payout, holder=financier
        )
        self.outstanding[token.issuer] = self.outstanding.get(token.issuer, 0) + token.face_value
        self._pull(financier, LEDGER, sender, payout)
        return {"payout": payout}

    def op_repay(self, sender: str, token_id: int, amount: int) -> dict[str, int]:
        self._not_paused()
        token = self._existing(token_id)
        if token.issuer != sender:
            raise Revert("NotIssuer", token_id, sender)
        if token.status in (Status.REPAID, Status.WRITTEN_OFF, Status.RECOVERED):
            raise Revert("InvalidStatus", token_id, token.status)
        if amount == 0:
            raise Revert("ZeroAmount")
        remaining = token.face_value - token.repaid
        if amount > remaining:
            raise Revert("RepayTooLarge", token_id, amount, remaining)
        self._check_pull(sender, LEDGER, amount)
        status: Status = token.status
        if amount == remaining:
            status = Status.RECOVERED if status == Status.DEFAULTED else Status.REPAID
        elif status in (Status.ISSUED, Status.ACCEPTED, Status.FINANCED):
            status = Status.PARTIALLY_REPAID
        self.tokens[token_id] = replace(token, repaid=token.repaid + amount, status=status)
        if token.financier != ZERO:
            self.outstanding[token.issuer] -= amount
        self._pull(sender, LEDGER, token.holder, amount)
        return {}

    def op_mark_overdue(self, sender: str, token_id: int) -> dict[str, int]:
        self._not_paused()
        token = self._existing(token_id)
        if token.status not in LIVE:
            raise Revert("InvalidStatus", token_id, token.status)
        overdue_at = token.due_date + self.policy.grace_period_s
        if self.now_s <= overdue_at:
            raise Revert("NotYetOverdue", token_id, overdue_at)
        self.tokens[token_id] = replace(token, status=Status.OVERDUE)
        return {}

    def op_mark_defaulted(self, sender: str, token_id: int) -> dict[str, int]:
        self._not_paused()
        token = self._holder_only(token_id, sender)
        if token.status != Status.OVERDUE:
            raise Revert("InvalidStatus", token_id, token.status)
        default_at = token.due_date + self.policy.default_period_s
        if self.now_s <= default_at:
            raise Revert("NotYetDefaulted", token_id, default_at)
        self.tokens[token_id] = replace(token, status=Status.DEFAULTED)
        return {}

    def op_write_off(self, sender: str, token_id: int) -> dict[str, int]:
        self._not_paused()
        token = self._holder_only(token_id, sender)
        if token.status != Status.DEFAULTED:
            raise Revert("InvalidStatus", token_id, token.status)
        self.tokens[token_id] = replace(token, status=Status.WRITTEN_OFF)
        if token.financier != ZERO:
            self.outstanding[token.issuer] -= token.face_value - token.repaid
        return {}

    # ----------------------------------------------------------------- views

    def receivable(self, token_id: int) -> ReceivableState:
        """State of ``token_id``; an all-zero record with status NONE if absent."""
        token = self.tokens.get(token_id)
        if token is None:
            return ReceivableState(token_id, ZERO, ZERO, 0, Status.NONE, ZERO, 0, 0, 0, 0, 0, 0,
                                   "0x" + "00" * 32)  # fmt: skip
        return token

    def available_line(self, core: str) -> int:
        """Credit line minus financed outstanding, floored at zero."""
        return max(self.credit_line.get(core, 0) - self.outstanding.get(core, 0), 0)


def child_invoice_hash(parent_hash: str, child_id: int) -> str:
    """``keccak256(abi.encode(parentHash, childId))`` as the contract derives it."""
    return "0x" + keccak(bytes.fromhex(parent_hash[2:]) + child_id.to_bytes(32, "big")).hex()
