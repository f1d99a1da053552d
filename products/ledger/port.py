"""The ledger port: what agents may do with supply-chain receivables, whatever records them.

Agents submit typed operations (:mod:`products.ledger.ops`) in the order the model decides;
:meth:`LedgerPort.submit` returns each one's correlation id, and :meth:`LedgerPort.step` executes
everything queued as one block at one timestamp and returns one :class:`OpResult` per completed
op, carrying the op and its id. A rejected op is data (``ok=False`` with the decoded error name),
never an exception. Money is an integer number of fen; times are unix seconds of sim time.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from products.ledger.ops import LedgerOp

ROLES = ("CORE_ROLE", "SUPPLIER_ROLE", "FINANCIER_ROLE", "AUDITOR_ROLE")
MAX_UINT256 = 2**256 - 1


class Status(enum.IntEnum):
    """Receivable lifecycle, numbered as the Solidity enum."""

    NONE = 0
    ISSUED = 1
    ACCEPTED = 2
    FINANCED = 3
    PARTIALLY_REPAID = 4
    REPAID = 5
    OVERDUE = 6
    DEFAULTED = 7
    WRITTEN_OFF = 8
    RECOVERED = 9


@dataclass(frozen=True, kw_only=True)
class OpResult:
    """Outcome of one op.

    Attributes:
        op: the submitted op.
        op_id: the correlation id :meth:`LedgerPort.submit` returned for it.
        ok: whether the op took effect.
        error: decoded error name when rejected (e.g. ``"ReceivableLedgerNotHolder"``).
        error_args: decoded error arguments.
        time_s: when it completed (block timestamp or end of manual review).
        token_id: new receivable id for ``issue``/``split``.
        payout: cash paid to the holder for ``finance``.
        gas_used: gas of the transaction (0 off chain).
        tx_hash: transaction hash (chain only).
        events: names of the events the transaction emitted, in log order (chain only).
    """

    op: LedgerOp
    op_id: int
    ok: bool
    error: str | None = None
    error_args: tuple[Any, ...] = ()
    time_s: int = 0
    token_id: int | None = None
    payout: int | None = None
    gas_used: int = 0
    tx_hash: str | None = None
    events: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReceivableState:
    """Snapshot of a receivable (mirrors the Solidity struct plus its holder)."""

    id: int
    issuer: str
    holder: str
    issue_date: int
    status: Status
    financier: str
    due_date: int
    face_value: int
    repaid: int
    advance: int
    parent_id: int
    root_id: int
    invoice_hash: str


@runtime_checkable
class LedgerPort(Protocol):
    """Receivables ledger: the chain, the paper ledger and the in-memory fake implement it."""

    admin: str

    def submit(self, op: LedgerOp) -> int:
        """Queue ``op`` behind everything queued before; return its correlation id."""
        ...

    def step(self, timestamp_s: int) -> list[OpResult]:
        """Execute the queue as one block at ``timestamp_s``; results in execution order."""
        ...

    def receivable(self, token_id: int) -> ReceivableState:
        """Current state of a receivable (``status`` NONE if it does not exist)."""
        ...

    def cash_balance(self, account: str) -> int:
        """Settlement-cash balance of ``account`` in fen."""
        ...

    def financed_outstanding(self, core: str, financier: str | None = None) -> int:
        """Face value of ``core``'s financed, unpaid receivables at ``financier`` (None: at all
        financiers), in fen."""
        ...

    def available_line(self, core: str, financier: str | None = None) -> int:
        """Financing ``financier`` still offers ``core`` under its own line, in fen; None sums
        over every financier with a line for ``core``."""
        ...

    @property
    def pending(self) -> int:
        """Ops submitted but not completed yet."""
        ...

    def close(self) -> None:
        """Release resources (idempotent)."""
        ...


def derive_address(master_seed: int, *path: str) -> str:
    """A deterministic 20-byte account address for an agent (lower-case hex).

    Args:
        master_seed: the scenario's master seed.
        path: names locating the agent, e.g. ``("supply_chain", "supplier", "17")``.
    """
    digest = hashlib.blake2b("/".join((str(master_seed), *path)).encode(), digest_size=20)
    return "0x" + digest.hexdigest()


def invoice_hash(*parts: object) -> str:
    """A bytes32 invoice hash (0x-hex) from the invoice's identifying parts."""
    return "0x" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
