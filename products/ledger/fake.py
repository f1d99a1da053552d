"""In-memory ledger port: the reference model behind the port's queue/step interface."""

from __future__ import annotations

from products.ledger.cash import Revert
from products.ledger.ops import LedgerOp, Policy
from products.ledger.port import OpResult, ReceivableState
from products.ledger.reference import ReferenceLedger


class FakeLedger:
    """Fast in-memory :class:`~products.ledger.port.LedgerPort` with the contracts' rules.

    Args:
        admin: account holding the admin and minter roles.
        policy: automatic-review policy.
    """

    def __init__(self, admin: str, policy: Policy) -> None:
        self.admin = admin
        self.state = ReferenceLedger(admin, policy)
        self._queue: list[tuple[int, LedgerOp]] = []
        self._last_op_id = 0
        self.tx_count = 0

    def submit(self, op: LedgerOp) -> int:
        """Queue ``op``; return its correlation id."""
        self._last_op_id += 1
        self._queue.append((self._last_op_id, op))
        return self._last_op_id

    def step(self, timestamp_s: int) -> list[OpResult]:
        """Apply the queue in order at ``timestamp_s``."""
        self.state.now_s = timestamp_s
        queue, self._queue = self._queue, []
        self.tx_count += len(queue)
        return [self.execute(op_id, op, timestamp_s) for op_id, op in queue]

    def execute(self, op_id: int, op: LedgerOp, timestamp_s: int) -> OpResult:
        """Apply one op now; a rule violation becomes a rejected result."""
        try:
            out = self.state.apply(op)
        except Revert as err:
            return OpResult(
                op=op,
                op_id=op_id,
                ok=False,
                error=err.name,
                error_args=err.error_args,
                time_s=timestamp_s,
            )
        return OpResult(
            op=op,
            op_id=op_id,
            ok=True,
            time_s=timestamp_s,
            token_id=out.get("token_id"),
            payout=out.get("payout"),
        )

    def receivable(self, token_id: int) -> ReceivableState:
        """Current state of ``token_id``."""
        return self.state.receivable(token_id)

    def cash_balance(self, account: str) -> int:
        """Cash of ``account`` in fen."""
        return self.state.balances.get(account, 0)

    def financed_outstanding(self, core: str, financier: str | None = None) -> int:
        """Financed, unpaid face of ``core``'s receivables (at ``financier``, or at all)."""
        return self.state.financed_outstanding(core, financier)

    def available_line(self, core: str, financier: str | None = None) -> int:
        """Remaining credit line of ``core`` (at ``financier``, or summed over its financiers)."""
        return self.state.available_line(core, financier)

    @property
    def pending(self) -> int:
        """Ops queued and not yet stepped."""
        return len(self._queue)

    def close(self) -> None:
        """Nothing to release."""
