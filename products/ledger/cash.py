"""Reference model of ``SettlementToken.sol`` (OpenZeppelin ERC-20 + minter role) and the shared
pieces of the reference ledger: the revert exception and role checks."""

from __future__ import annotations

from typing import Any

from products.ledger.ops import ApproveCash, CashTransferFrom, Mint
from products.ledger.port import MAX_UINT256

ZERO = "0x" + "00" * 20
ADMIN_ROLE = "DEFAULT_ADMIN_ROLE"
LEDGER = "ledger"  # spender name of the ledger contract in the token's allowance table


class Revert(Exception):
    """An operation the contracts would revert, with the custom error's name and arguments."""

    def __init__(self, name: str, *args: Any) -> None:
        super().__init__(name, *args)
        self.name = name
        self.error_args = args


class ReferenceCash:
    """Settlement cash balances, allowances and roles with OpenZeppelin v5 check order."""

    def __init__(self, admin: str) -> None:
        self.admin = admin
        self.roles: dict[str, set[str]] = {ADMIN_ROLE: {admin}, "MINTER_ROLE": {admin}}
        self.balances: dict[str, int] = {}
        self.allowances: dict[tuple[str, str], int] = {}

    def has_role(self, role: str, account: str) -> bool:
        """Whether ``account`` holds ``role``."""
        return account in self.roles.get(role, set())

    def _only_role(self, role: str, account: str) -> None:
        if not self.has_role(role, account):
            raise Revert("AccessControlUnauthorizedAccount", account, role)

    def mint(self, op: Mint) -> dict[str, int]:
        """``SettlementToken.mint``: new cash for ``op.to``."""
        self._only_role("MINTER_ROLE", op.sender)
        if op.to == ZERO:
            raise Revert("ERC20InvalidReceiver", op.to)
        self.balances[op.to] = self.balances.get(op.to, 0) + op.amount_fen
        return {}

    def approve_cash(self, op: ApproveCash) -> dict[str, int]:
        """``approve(ledger, amount)`` by the sender."""
        self.allowances[(op.sender, LEDGER)] = op.amount_fen
        return {}

    def _check_pull(self, owner: str, spender: str, amount: int, to: str = LEDGER) -> None:
        """``transferFrom`` checks: allowance, receiver, balance (OpenZeppelin's order)."""
        allowance = self.allowances.get((owner, spender), 0)
        if allowance != MAX_UINT256 and allowance < amount:
            raise Revert("ERC20InsufficientAllowance", spender, allowance, amount)
        if to == ZERO:
            raise Revert("ERC20InvalidReceiver", to)
        balance = self.balances.get(owner, 0)
        if balance < amount:
            raise Revert("ERC20InsufficientBalance", owner, balance, amount)

    def _pull(self, owner: str, spender: str, to: str, amount: int) -> None:
        allowance = self.allowances.get((owner, spender), 0)
        if allowance != MAX_UINT256:
            self.allowances[(owner, spender)] = allowance - amount
        self.balances[owner] -= amount
        self.balances[to] = self.balances.get(to, 0) + amount

    def cash_transfer_from(self, op: CashTransferFrom) -> dict[str, int]:
        """``transferFrom(owner, to, amount)`` by the sender as spender."""
        self._check_pull(op.owner, op.sender, op.amount_fen, op.to)
        self._pull(op.owner, op.sender, op.to, op.amount_fen)
        return {}
