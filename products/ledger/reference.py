"""Pure-Python reference model of ``ReceivableLedger.sol`` + ``SettlementToken.sol``.

Same rules, same check order, same error names, same integer arithmetic as the contracts, so the
stateful property test can demand identical states and balances. Every public method either
commits all its effects or raises :class:`Revert` having changed nothing (like an EVM revert).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from eth_utils import keccak

from products.ledger.admin import ReferenceAdmin
from products.ledger.cash import LEDGER, ZERO, Revert
from products.ledger.ops import (
    Accept,
    ApproveCash,
    AttestExposure,
    CashTransferFrom,
    Finance,
    GrantRole,
    Issue,
    LedgerOp,
    MarkDefaulted,
    MarkOverdue,
    Mint,
    Pause,
    Policy,
    Repay,
    RevokeRole,
    SetCreditLine,
    SetPolicy,
    SetTerms,
    Split,
    Terms,
    Transfer,
    Unpause,
    WriteOff,
)
from products.ledger.port import ReceivableState, Status

LIVE = (Status.ISSUED, Status.ACCEPTED, Status.FINANCED, Status.PARTIALLY_REPAID)
UINT128_MAX = 2**128 - 1


class ReferenceLedger(ReferenceAdmin):
    """In-memory receivables ledger and settlement cash with the contracts' semantics."""

    def __init__(self, admin: str, policy: Policy) -> None:
        super().__init__(admin, policy)
        self.next_id = 1
        self.tokens: dict[int, ReceivableState] = {}
        self.invoice_used: set[str] = set()

    # ----------------------------------------------------------------- dispatch

    def apply(self, op: LedgerOp, terms: Terms | None = None) -> dict[str, int]:
        """Run one op; returns ``{"token_id": ..}`` / ``{"payout": ..}`` or ``{}``; raises Revert.

        ``terms`` overrides the financier's own terms of a :class:`Finance` (the paper ledger's
        manual review prices each application itself).
        """
        if isinstance(op, Finance):
            return self.finance(op, terms)
        handler = _HANDLERS.get(type(op))
        if handler is None:
            raise TypeError(f"op: {op!r} is not a ledger operation")
        return handler(self, op)

    # ----------------------------------------------------------------- lifecycle

    def _existing(self, token_id: int) -> ReceivableState:
        token = self.tokens.get(token_id)
        if token is None:
            raise Revert("ERC721NonexistentToken", token_id)
        return token

    def _holder_only(self, token_id: int, sender: str) -> ReceivableState:
        token = self._existing(token_id)
        if token.holder != sender:
            raise Revert("ReceivableLedgerNotHolder", token_id, sender)
        return token

    def _still_supplier(self, token_id: int, holder: str) -> None:
        """A holder whose SUPPLIER_ROLE was revoked may not act on what it holds."""
        if not self.has_role("SUPPLIER_ROLE", holder):
            raise Revert("ReceivableLedgerHolderNotSupplier", token_id, holder)

    def _mint_token(self, token: ReceivableState) -> int:
        self.tokens[token.id] = token
        self.invoice_used.add(token.invoice_hash)
        self.next_id = token.id + 1
        return token.id

    def new_token(self, issuer: str, holder: str, status: Status, op: Issue) -> ReceivableState:
        """The record ``op`` mints as the next id, issued by ``issuer`` to ``holder`` now."""
        return ReceivableState(
            id=self.next_id,
            issuer=issuer,
            holder=holder,
            issue_date=self.now_s,
            status=status,
            financier=ZERO,
            due_date=op.due_s,
            face_value=op.face_fen,
            repaid=0,
            advance=0,
            parent_id=0,
            root_id=self.next_id,
            invoice_hash=op.invoice_hash,
        )

    def issue(self, op: Issue) -> dict[str, int]:
        self._only_role("CORE_ROLE", op.sender)
        self._not_paused()
        face, due = op.face_fen, op.due_s
        if not self.has_role("SUPPLIER_ROLE", op.supplier):
            raise Revert("ReceivableLedgerNotSupplier", op.supplier)
        if face == 0:
            raise Revert("ReceivableLedgerZeroAmount")
        if face > UINT128_MAX:
            raise Revert("ReceivableLedgerAmountOverflow", face)
        if due <= self.now_s:
            raise Revert("ReceivableLedgerDueDateNotInFuture", due, self.now_s)
        if op.invoice_hash in self.invoice_used:
            raise Revert("ReceivableLedgerDuplicateInvoice", op.invoice_hash)
        token = self.new_token(op.sender, op.supplier, Status.ISSUED, op)
        return {"token_id": self._mint_token(token)}

    def accept(self, op: Accept) -> dict[str, int]:
        sender, token_id = op.sender, op.token_id
        self._not_paused()
        token = self._holder_only(token_id, sender)
        if token.status != Status.ISSUED:
            raise Revert("ReceivableLedgerInvalidStatus", token_id, token.status)
        self._still_supplier(token_id, sender)
        self.tokens[token_id] = replace(token, status=Status.ACCEPTED)
        return {}

    def split(self, op: Split) -> dict[str, int]:
        sender, token_id, to, amount = op.sender, op.token_id, op.to, op.amount_fen
        self._not_paused()
        parent = self._holder_only(token_id, sender)
        if parent.status != Status.ACCEPTED:
            raise Revert("ReceivableLedgerInvalidStatus", token_id, parent.status)
        self._still_supplier(token_id, sender)
        if not self.has_role("SUPPLIER_ROLE", to):
            raise Revert("ReceivableLedgerNotSupplier", to)
        if amount == 0:
            raise Revert("ReceivableLedgerZeroAmount")
        if amount >= parent.face_value:
            raise Revert("ReceivableLedgerSplitTooLarge", token_id, amount, parent.face_value)
        child_id = self.next_id
        self.tokens[token_id] = replace(parent, face_value=parent.face_value - amount)
        child_hash = child_invoice_hash(parent.invoice_hash, child_id)
        child = replace(
            parent,
            id=child_id,
            holder=to,
            issue_date=self.now_s,
            status=Status.ISSUED,
            financier=ZERO,
            face_value=amount,
            repaid=0,
            advance=0,
            parent_id=token_id,
            invoice_hash=child_hash,
        )
        return {"token_id": self._mint_token(child)}

    def transfer(self, op: Transfer) -> dict[str, int]:
        sender, token_id, to = op.sender, op.token_id, op.to
        if sender == ZERO:
            raise Revert("ReceivableLedgerNotHolder", token_id, sender)
        if to == ZERO:
            raise Revert("ERC721InvalidReceiver", to)
        self._not_paused()
        token = self.tokens.get(token_id)
        if token is None or token.holder != sender:
            raise Revert("ReceivableLedgerNotHolder", token_id, sender)
        if token.financier != ZERO:
            raise Revert("ReceivableLedgerAlreadyFinanced", token_id)
        if token.status != Status.ACCEPTED:
            raise Revert("ReceivableLedgerInvalidStatus", token_id, token.status)
        self._still_supplier(token_id, sender)
        if not self.has_role("SUPPLIER_ROLE", to):
            raise Revert("ReceivableLedgerNotSupplier", to)
        self.tokens[token_id] = replace(token, holder=to)
        return {}

    def finance(self, op: Finance, terms: Terms | None = None) -> dict[str, int]:
        """Discount ``op``'s receivable, at ``terms`` if given, else at the financier's own."""
        sender, token_id, financier = op.sender, op.token_id, op.financier
        self._not_paused()
        token = self._holder_only(token_id, sender)
        if token.financier != ZERO:
            raise Revert("ReceivableLedgerAlreadyFinanced", token_id)
        if token.status != Status.ACCEPTED:
            raise Revert("ReceivableLedgerInvalidStatus", token_id, token.status)
        self._still_supplier(token_id, sender)
        if not self.has_role("FINANCIER_ROLE", financier):
            raise Revert("ReceivableLedgerNotFinancier", financier)
        payout = self.quote(token, financier, terms)
        self._check_pull(financier, LEDGER, payout)
        self.tokens[token_id] = replace(
            token, status=Status.FINANCED, financier=financier, advance=payout, holder=financier
        )
        self.add_outstanding(financier, token.issuer, token.face_value)
        self._pull(financier, LEDGER, sender, payout)
        return {"payout": payout}

    def repay(self, op: Repay) -> dict[str, int]:
        sender, token_id, amount = op.sender, op.token_id, op.amount_fen
        self._not_paused()
        token = self._existing(token_id)
        if token.issuer != sender:
            raise Revert("ReceivableLedgerNotIssuer", token_id, sender)
        if token.status in (Status.REPAID, Status.WRITTEN_OFF, Status.RECOVERED):
            raise Revert("ReceivableLedgerInvalidStatus", token_id, token.status)
        if amount == 0:
            raise Revert("ReceivableLedgerZeroAmount")
        remaining = token.face_value - token.repaid
        if amount > remaining:
            raise Revert("ReceivableLedgerRepayTooLarge", token_id, amount, remaining)
        self._check_pull(sender, LEDGER, amount)
        status: Status = token.status
        if amount == remaining:
            status = Status.RECOVERED if status == Status.DEFAULTED else Status.REPAID
        elif status in (Status.ISSUED, Status.ACCEPTED, Status.FINANCED):
            status = Status.PARTIALLY_REPAID
        self.tokens[token_id] = replace(token, repaid=token.repaid + amount, status=status)
        if token.financier != ZERO:
            self.add_outstanding(token.financier, token.issuer, -amount)
        self._pull(sender, LEDGER, token.holder, amount)
        return {}

    def mark_overdue(self, op: MarkOverdue) -> dict[str, int]:
        token_id = op.token_id
        self._not_paused()
        token = self._existing(token_id)
        if token.status not in LIVE:
            raise Revert("ReceivableLedgerInvalidStatus", token_id, token.status)
        overdue_at = token.due_date + self.policy.grace_period_s
        if self.now_s <= overdue_at:
            raise Revert("ReceivableLedgerNotYetOverdue", token_id, overdue_at)
        self.tokens[token_id] = replace(token, status=Status.OVERDUE)
        return {}

    def mark_defaulted(self, op: MarkDefaulted) -> dict[str, int]:
        sender, token_id = op.sender, op.token_id
        self._not_paused()
        token = self._holder_only(token_id, sender)
        if token.status != Status.OVERDUE:
            raise Revert("ReceivableLedgerInvalidStatus", token_id, token.status)
        default_at = token.due_date + self.policy.default_period_s
        if self.now_s <= default_at:
            raise Revert("ReceivableLedgerNotYetDefaulted", token_id, default_at)
        self.tokens[token_id] = replace(token, status=Status.DEFAULTED)
        return {}

    def write_off(self, op: WriteOff) -> dict[str, int]:
        sender, token_id = op.sender, op.token_id
        self._not_paused()
        token = self._holder_only(token_id, sender)
        if token.status != Status.DEFAULTED:
            raise Revert("ReceivableLedgerInvalidStatus", token_id, token.status)
        self.tokens[token_id] = replace(token, status=Status.WRITTEN_OFF)
        if token.financier != ZERO:
            self.add_outstanding(token.financier, token.issuer, token.repaid - token.face_value)
        return {}

    # ----------------------------------------------------------------- views

    def receivable(self, token_id: int) -> ReceivableState:
        """State of ``token_id``; an all-zero record with status NONE if absent."""
        token = self.tokens.get(token_id)
        if token is None:
            return empty_receivable(token_id)
        return token


def child_invoice_hash(parent_hash: str, child_id: int) -> str:
    """``keccak256(abi.encode(parentHash, childId))`` as the contract derives it."""
    return "0x" + keccak(bytes.fromhex(parent_hash[2:]) + child_id.to_bytes(32, "big")).hex()


_HANDLERS: dict[type[LedgerOp], Callable[[ReferenceLedger, Any], dict[str, int]]] = {
    GrantRole: ReferenceLedger.grant_role,
    RevokeRole: ReferenceLedger.revoke_role,
    AttestExposure: ReferenceLedger.attest_exposure,
    Mint: ReferenceLedger.mint,
    ApproveCash: ReferenceLedger.approve_cash,
    CashTransferFrom: ReferenceLedger.cash_transfer_from,
    SetPolicy: ReferenceLedger.set_policy,
    SetTerms: ReferenceLedger.set_terms,
    SetCreditLine: ReferenceLedger.set_credit_line,
    Pause: ReferenceLedger.pause,
    Unpause: ReferenceLedger.unpause,
    Issue: ReferenceLedger.issue,
    Accept: ReferenceLedger.accept,
    Split: ReferenceLedger.split,
    Transfer: ReferenceLedger.transfer,
    Repay: ReferenceLedger.repay,
    MarkOverdue: ReferenceLedger.mark_overdue,
    MarkDefaulted: ReferenceLedger.mark_defaulted,
    WriteOff: ReferenceLedger.write_off,
}


def empty_receivable(token_id: int) -> ReceivableState:
    """The all-zero record the contract returns for an id that was never minted."""
    return ReceivableState(
        id=token_id,
        issuer=ZERO,
        holder=ZERO,
        issue_date=0,
        status=Status.NONE,
        financier=ZERO,
        due_date=0,
        face_value=0,
        repaid=0,
        advance=0,
        parent_id=0,
        root_id=0,
        invoice_hash="0x" + "00" * 32,
    )
