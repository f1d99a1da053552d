"""The JSON-RPC subset :class:`~products.ledger.chain.ChainLedger` speaks, answered in process.

:class:`RevmRpc` has :class:`~products.ledger.rpc.JsonRpc`'s interface (``call``, ``batch``,
``close``) and Anvil's answers in Anvil's shapes (hex quantities, receipts, ``ots_`` revert data),
but serves them from a :class:`~products.ledger.revm_node.RevmNode`. So the revm backend runs the
very same adapter code as Anvil — calldata encoding, nonces, batches, one block per step, the
mined-order check, custom-error and event decoding — and only the transport differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from products.ledger.chain import ChainLedger
from products.ledger.ops import Policy
from products.ledger.revm_node import CHAIN_ID, Receipt, RevmNode
from products.ledger.rpc import Call, RpcError
from sim.kernel.errors import ChainError

CALL_GAS = 30_000_000  # eth_call's gas when the request names none (Anvil: the block gas limit)
Handler = Callable[[list[Any]], Any]


def _quantity(value: str | int | None, default: int = 0) -> int:
    if value is None:
        return default
    return value if isinstance(value, int) else int(value, 16)


def _data(value: str | None) -> bytes:
    return bytes.fromhex(value[2:]) if value else b""


class RevmRpc:
    """A JSON-RPC client whose server is an in-process :class:`RevmNode`.

    Args:
        node: the chain to answer from; a fresh one at ``start_timestamp_s`` if None.
        start_timestamp_s: genesis timestamp of the fresh node.
    """

    def __init__(self, node: RevmNode | None = None, start_timestamp_s: int = 0) -> None:
        self.node = node or RevmNode(start_timestamp_s)
        self.url = "revm://in-process"
        self.requests_sent = 0
        self._handlers: dict[str, Handler] = {
            "anvil_autoImpersonateAccount": lambda _: True,
            "anvil_setBalance": self._set_balance,
            "eth_chainId": lambda _: hex(CHAIN_ID),
            "eth_blockNumber": lambda _: hex(self.node.block_number),
            "eth_getTransactionCount": self._transaction_count,
            "eth_sendTransaction": self._send_transaction,
            "evm_mine": self._mine,
            "eth_getTransactionReceipt": self._receipt,
            "eth_getBlockReceipts": self._block_receipts,
            "eth_getBlockByNumber": self._block,
            "ots_getTransactionError": self._transaction_error,
            "eth_call": self._call,
        }

    # ----------------------------------------------------------------- the client interface

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        """One call; raises RpcError on an error answer, like :meth:`JsonRpc.call`."""
        self.requests_sent += 1
        return self._dispatch(method, params or [])

    def batch(self, calls: Sequence[Call], strict: bool = True) -> list[Any]:
        """Calls in order; with ``strict`` an error raises, otherwise it fills its slot."""
        if not calls:
            return []
        self.requests_sent += 1
        out: list[Any] = []
        for method, params in calls:
            try:
                out.append(self._dispatch(method, params))
            except RpcError as err:
                if strict:
                    raise
                out.append(err)
        return out

    def close(self) -> None:
        """Nothing to close: the node lives as long as this object."""

    def _dispatch(self, method: str, params: list[Any]) -> Any:
        handler = self._handlers.get(method)
        if handler is None:
            raise RpcError(method, {"message": f"method {method} is not served in process"})
        try:
            return handler(params)
        except ChainError as err:
            if isinstance(err, RpcError):
                raise
            raise RpcError(method, {"message": str(err), "code": -32000}) from err

    # ----------------------------------------------------------------- handlers

    def _set_balance(self, params: list[Any]) -> None:
        self.node.set_balance(params[0], _quantity(params[1]))

    def _transaction_count(self, params: list[Any]) -> str:
        account = params[0].lower()
        count = self.node.nonce(account)
        if len(params) < 2 or params[1] != "pending":
            count -= sum(1 for tx in self.node.pending if tx.sender == account)
        return hex(count)

    def _send_transaction(self, params: list[Any]) -> str:
        tx = params[0]
        nonce = tx.get("nonce")
        return self.node.send(
            tx["from"],
            tx.get("to"),
            _data(tx.get("data") or tx.get("input")),
            _quantity(tx.get("gas"), CALL_GAS),
            None if nonce is None else _quantity(nonce),
        )

    def _mine(self, params: list[Any]) -> str:
        self.node.mine(_quantity(params[0]) if params else None)
        return "0x0"

    def _block_number(self, tag: str) -> int:
        if tag in ("latest", "pending", "safe", "finalized"):
            return self.node.block_number
        return 0 if tag == "earliest" else _quantity(tag)

    def _receipt(self, params: list[Any]) -> dict[str, Any] | None:
        receipt = self.node.receipt(params[0])
        return None if receipt is None else _receipt_json(receipt)

    def _block_receipts(self, params: list[Any]) -> list[dict[str, Any]] | None:
        receipts = self.node.block_receipts(self._block_number(params[0]))
        return None if receipts is None else [_receipt_json(r) for r in receipts]

    def _block(self, params: list[Any]) -> dict[str, Any] | None:
        number = self._block_number(params[0])
        if number != self.node.block_number:
            raise ChainError(f"block: {number} is not the latest ({self.node.block_number})")
        receipts = self.node.block_receipts(number) or []
        return {
            "number": hex(number),
            "timestamp": hex(self.node.timestamp_s),
            "gasUsed": hex(sum(r.gas_used for r in receipts)),
            "transactions": [r.tx_hash for r in receipts],
        }

    def _transaction_error(self, params: list[Any]) -> str:
        receipt = self.node.receipt(params[0])
        if receipt is None:
            raise ChainError(f"transaction {params[0]} is not among the blocks kept")
        return receipt.revert_data

    def _call(self, params: list[Any]) -> str:
        request = params[0]
        if len(params) > 1 and self._block_number(params[1]) != self.node.block_number:
            raise ChainError(f"eth_call: block {params[1]} is not the latest (no history kept)")
        ok, out = self.node.call(
            request.get("from"),
            request["to"],
            _data(request.get("data") or request.get("input")),
            _quantity(request.get("gas"), CALL_GAS),
        )
        if not ok:
            raise RpcError("eth_call", {"message": "execution reverted", "code": 3, "data": out})
        return "0x" + out.hex()


def _receipt_json(receipt: Receipt) -> dict[str, Any]:
    block = hex(receipt.block_number)
    return {
        "transactionHash": receipt.tx_hash,
        "transactionIndex": hex(receipt.index),
        "blockNumber": block,
        "from": receipt.sender,
        "to": receipt.to,
        "status": "0x1" if receipt.ok else "0x0",
        "gasUsed": hex(receipt.gas_used),
        "contractAddress": receipt.contract_address,
        "logs": [
            {
                "address": address,
                "topics": topics,
                "data": data,
                "blockNumber": block,
                "transactionHash": receipt.tx_hash,
            }
            for address, topics, data in receipt.logs
        ],
    }


@contextmanager
def revm_ledger(admin: str, policy: Policy, start_timestamp_s: int) -> Iterator[ChainLedger]:
    """A :class:`ChainLedger` on a fresh in-process node; the counterpart of ``chain_ledger``."""
    rpc = RevmRpc(start_timestamp_s=start_timestamp_s)
    ledger = ChainLedger(rpc, admin, policy, start_timestamp_s + 1)
    try:
        yield ledger
    finally:
        ledger.close()
