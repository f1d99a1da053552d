"""How each port op becomes a contract call: target, function, argument shape, gas limit."""

from __future__ import annotations

from eth_utils import keccak

from products.ledger.abi import Codec
from products.ledger.port import Op

GAS_LIMITS: dict[str, int] = {
    "issue": 400_000,
    "split": 400_000,
    "finance": 350_000,
    "repay": 250_000,
    "transfer": 200_000,
    "set_policy": 200_000,
}
DEFAULT_GAS = 150_000
LEDGER_CALLS: dict[str, str] = {
    "grant_role": "grantRole",
    "set_policy": "setPolicy",
    "set_terms": "setTerms",
    "set_credit_line": "setCreditLine",
    "pause": "pause",
    "unpause": "unpause",
    "issue": "issue",
    "accept": "accept",
    "split": "split",
    "transfer": "transferFrom",
    "finance": "finance",
    "repay": "repay",
    "mark_overdue": "markOverdue",
    "mark_defaulted": "markDefaulted",
    "write_off": "writeOff",
}
TOKEN_CALLS = {"mint": "mint", "approve_cash": "approve", "cash_transfer_from": "transferFrom"}


def role_id(role: str) -> bytes:
    """bytes32 id of a role name (DEFAULT_ADMIN_ROLE is zero)."""
    return b"\x00" * 32 if role == "DEFAULT_ADMIN_ROLE" else keccak(text=role)


class OpEncoder:
    """Encodes port ops as calldata for the deployed token and ledger contracts."""

    def __init__(
        self, token: Codec, ledger: Codec, token_address: str, ledger_address: str
    ) -> None:
        self.token, self.ledger = token, ledger
        self.token_address, self.ledger_address = token_address, ledger_address

    def calldata(self, op: Op) -> tuple[str, str]:
        """``(to, data)`` of the transaction carrying ``op``."""
        args = list(op.args)
        if op.kind in TOKEN_CALLS:
            if op.kind == "approve_cash":
                args = [self.ledger_address, *args]
            return self.token_address, self.token.encode_call(TOKEN_CALLS[op.kind], args)
        if op.kind == "grant_role":
            args = [role_id(args[0]), args[1]]
        elif op.kind == "issue":
            args = [*args[:3], bytes.fromhex(args[3][2:])]
        elif op.kind == "set_policy":
            args = [tuple(args)]
        elif op.kind == "transfer":
            args = [op.sender, args[1], args[0]]
        return self.ledger_address, self.ledger.encode_call(LEDGER_CALLS[op.kind], args)
