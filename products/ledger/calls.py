"""How each typed ledger op becomes a contract call: target, function, arguments, gas limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_utils import keccak

from products.ledger.abi import Codec
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
    Repay,
    RevokeRole,
    SetCreditLine,
    SetPolicy,
    SetTerms,
    Split,
    Transfer,
    Unpause,
    WriteOff,
)

GAS_LIMITS: dict[type[LedgerOp], int] = {
    Issue: 400_000,
    Split: 400_000,
    Finance: 350_000,
    Repay: 250_000,
    Transfer: 200_000,
    SetPolicy: 200_000,
}
DEFAULT_GAS = 150_000

Call = tuple[str, list[Any]]  # contract function name, its arguments
CallBuilder = Callable[[Any, str], Call]  # (op, ledger address) -> call


def role_id(role: str) -> bytes:
    """bytes32 id of a role name (DEFAULT_ADMIN_ROLE is zero)."""
    return b"\x00" * 32 if role == "DEFAULT_ADMIN_ROLE" else keccak(text=role)


def gas_limit(op: LedgerOp) -> int:
    """The gas limit the adapter gives ``op``'s transaction."""
    return GAS_LIMITS.get(type(op), DEFAULT_GAS)


TOKEN_CALLS: dict[type[LedgerOp], CallBuilder] = {
    Mint: lambda op, _: ("mint", [op.to, op.amount_fen]),
    ApproveCash: lambda op, ledger: ("approve", [ledger, op.amount_fen]),
    CashTransferFrom: lambda op, _: ("transferFrom", [op.owner, op.to, op.amount_fen]),
}
LEDGER_CALLS: dict[type[LedgerOp], CallBuilder] = {
    GrantRole: lambda op, _: ("grantRole", [role_id(op.role), op.account]),
    RevokeRole: lambda op, _: ("revokeRole", [role_id(op.role), op.account]),
    SetPolicy: lambda op, _: ("setPolicy", [_policy_tuple(op)]),
    SetTerms: lambda op, _: (
        "setTerms",
        [op.terms.rate_bps, op.terms.fee_bps, op.terms.advance_cap_bps],
    ),
    SetCreditLine: lambda op, _: ("setCreditLine", [op.line_owner, op.core, op.line_fen]),
    AttestExposure: lambda op, _: (
        "attestExposure",
        [op.core, op.outstanding_fen, bytes.fromhex(op.report_hash[2:])],
    ),
    Pause: lambda op, _: ("pause", []),
    Unpause: lambda op, _: ("unpause", []),
    Issue: lambda op, _: (
        "issue",
        [op.supplier, op.face_fen, op.due_s, bytes.fromhex(op.invoice_hash[2:])],
    ),
    Accept: lambda op, _: ("accept", [op.token_id]),
    Split: lambda op, _: ("split", [op.token_id, op.to, op.amount_fen]),
    Transfer: lambda op, _: ("transferFrom", [op.sender, op.to, op.token_id]),
    Finance: lambda op, _: ("finance", [op.token_id, op.financier]),
    Repay: lambda op, _: ("repay", [op.token_id, op.amount_fen]),
    MarkOverdue: lambda op, _: ("markOverdue", [op.token_id]),
    MarkDefaulted: lambda op, _: ("markDefaulted", [op.token_id]),
    WriteOff: lambda op, _: ("writeOff", [op.token_id]),
}


def _policy_tuple(op: SetPolicy) -> tuple[int, int, int, int]:
    p = op.policy
    return (p.max_tenor_s, p.grace_period_s, p.default_period_s, p.min_amount)


class OpEncoder:
    """Encodes typed ledger ops as calldata for the deployed token and ledger contracts."""

    def __init__(
        self, token: Codec, ledger: Codec, token_address: str, ledger_address: str
    ) -> None:
        self.token, self.ledger = token, ledger
        self.token_address, self.ledger_address = token_address, ledger_address

    def calldata(self, op: LedgerOp) -> tuple[str, str]:
        """``(to, data)`` of the transaction carrying ``op``."""
        kind = type(op)
        if kind in TOKEN_CALLS:
            name, args = TOKEN_CALLS[kind](op, self.ledger_address)
            return self.token_address, self.token.encode_call(name, args)
        if kind not in LEDGER_CALLS:
            raise TypeError(f"op: {op!r} is not a ledger operation")
        name, args = LEDGER_CALLS[kind](op, self.ledger_address)
        return self.ledger_address, self.ledger.encode_call(name, args)
