"""Typed ledger operations: one frozen dataclass per thing an agent may ask the ledger to do.

Every operation names its ``sender`` (the account whose authority it uses; ``msg.sender`` on
chain) and its own fields. Money is an integer number of fen, times are unix seconds. ``kind``
is each operation's stable snake_case label: it names gas tallies and event-log rows, and is
never used to dispatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Policy:
    """Automatic-review policy (seconds and fen)."""

    max_tenor_s: int
    grace_period_s: int
    default_period_s: int
    min_amount: int


@dataclass(frozen=True, slots=True)
class Terms:
    """A financier's discount terms in basis points (annual rate, flat fee, advance cap)."""

    rate_bps: int
    fee_bps: int
    advance_cap_bps: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerOp:
    """Base of every ledger operation: who sends it."""

    kind: ClassVar[str]
    sender: str


# ---------------------------------------------------------------------------- administration


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantRole(LedgerOp):
    """The admin grants ``role`` (e.g. ``"SUPPLIER_ROLE"``) to ``account``."""

    kind: ClassVar[str] = "grant_role"
    role: str
    account: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RevokeRole(LedgerOp):
    """The admin revokes ``role`` from ``account`` (a no-op if it does not hold it)."""

    kind: ClassVar[str] = "revoke_role"
    role: str
    account: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Mint(LedgerOp):
    """The minter creates ``amount_fen`` of settlement cash for ``to``."""

    kind: ClassVar[str] = "mint"
    to: str
    amount_fen: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ApproveCash(LedgerOp):
    """The sender lets the ledger pull up to ``amount_fen`` of its cash."""

    kind: ClassVar[str] = "approve_cash"
    amount_fen: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CashTransferFrom(LedgerOp):
    """The sender moves ``owner``'s cash to ``to`` on the strength of an allowance."""

    kind: ClassVar[str] = "cash_transfer_from"
    owner: str
    to: str
    amount_fen: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SetPolicy(LedgerOp):
    """The admin replaces the automatic-review policy."""

    kind: ClassVar[str] = "set_policy"
    policy: Policy


@dataclass(frozen=True, slots=True, kw_only=True)
class SetTerms(LedgerOp):
    """A financier sets its own discount terms."""

    kind: ClassVar[str] = "set_terms"
    terms: Terms


@dataclass(frozen=True, slots=True, kw_only=True)
class SetCreditLine(LedgerOp):
    """``financier``'s limit on what it finances of ``core`` (its financed, unpaid face).

    ``financier`` defaults to the sender (a bank setting its own line); the admin may name
    any financier.
    """

    kind: ClassVar[str] = "set_credit_line"
    core: str
    line_fen: int
    financier: str | None = None

    @property
    def line_owner(self) -> str:
        """The financier whose line this sets."""
        return self.sender if self.financier is None else self.financier


@dataclass(frozen=True, slots=True, kw_only=True)
class AttestExposure(LedgerOp):
    """An auditor attests that ``core``'s financed outstanding is ``outstanding_fen`` now."""

    kind: ClassVar[str] = "attest_exposure"
    core: str
    outstanding_fen: int
    report_hash: str = "0x" + "00" * 32


@dataclass(frozen=True, slots=True, kw_only=True)
class Pause(LedgerOp):
    """The admin freezes every state change except administration."""

    kind: ClassVar[str] = "pause"


@dataclass(frozen=True, slots=True, kw_only=True)
class Unpause(LedgerOp):
    """The admin lifts the freeze."""

    kind: ClassVar[str] = "unpause"


# ---------------------------------------------------------------------------- lifecycle


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue(LedgerOp):
    """A core enterprise issues a confirmed payable of ``face_fen`` to ``supplier``."""

    kind: ClassVar[str] = "issue"
    supplier: str
    face_fen: int
    due_s: int
    invoice_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Accept(LedgerOp):
    """The holder confirms receivable ``token_id``."""

    kind: ClassVar[str] = "accept"
    token_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Split(LedgerOp):
    """The holder moves ``amount_fen`` of ``token_id``'s face to supplier ``to`` (a new token)."""

    kind: ClassVar[str] = "split"
    token_id: int
    to: str
    amount_fen: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Transfer(LedgerOp):
    """The holder hands receivable ``token_id`` to supplier ``to``."""

    kind: ClassVar[str] = "transfer"
    token_id: int
    to: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Finance(LedgerOp):
    """The holder discounts receivable ``token_id`` at ``financier``."""

    kind: ClassVar[str] = "finance"
    token_id: int
    financier: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Repay(LedgerOp):
    """The issuer pays ``amount_fen`` of receivable ``token_id`` to its current holder."""

    kind: ClassVar[str] = "repay"
    token_id: int
    amount_fen: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkOverdue(LedgerOp):
    """Anyone flags unpaid receivable ``token_id`` overdue after the grace period."""

    kind: ClassVar[str] = "mark_overdue"
    token_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkDefaulted(LedgerOp):
    """The holder declares overdue receivable ``token_id`` defaulted."""

    kind: ClassVar[str] = "mark_defaulted"
    token_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteOff(LedgerOp):
    """The holder writes off defaulted receivable ``token_id``."""

    kind: ClassVar[str] = "write_off"
    token_id: int
