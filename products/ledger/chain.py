"""Chain ledger: the port on the real contracts on Anvil, over raw batched JSON-RPC.

Per step: encode each queued op once, give it an explicit nonce and gas limit, send the step's
transactions as JSON-RPC batches of at most 64 (Anvil keeps FIFO order inside such a batch), mine
one block at the sim timestamp, fetch all receipts in one call, check the mined order is the
submitted order (a mismatch fails the run), and decode events and custom errors. Agent accounts
need no keys: Anvil auto-impersonates them, so ``msg.sender`` and access control stay real.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eth_abi import encode

from contracts import load_artifact
from products.ledger.abi import Codec
from products.ledger.anvil import Anvil, anvil_kept
from products.ledger.calls import OpEncoder, gas_limit
from products.ledger.cash import ZERO
from products.ledger.ops import LedgerOp, Policy
from products.ledger.port import OpResult, ReceivableState, Status
from products.ledger.rpc import Call, JsonRpc, RpcClient, RpcError
from sim.kernel.errors import ChainError

log = logging.getLogger(__name__)

BATCH_LIMIT = 64  # measured: FIFO order holds for batches of <= 64 transactions, not for 100
AGENT_BALANCE_WEI = hex(10**24)
DEPLOY_GAS = 6_000_000
RESULT_FIELDS = {
    "ReceivableIssued": ("token_id", "id"),
    "ReceivableSplit": ("token_id", "childId"),
    "ReceivableFinanced": ("payout", "payout"),
}


@dataclass
class _Sent:
    op_id: int
    op: LedgerOp
    tx_hash: str


class ChainLedger:
    """:class:`~products.ledger.port.LedgerPort` on ``ReceivableLedger.sol`` via Anvil (or revm).

    Args:
        rpc: JSON-RPC client of a running Anvil, or the in-process revm node's.
        admin: deployer; holds the admin and minter roles.
        policy: initial automatic-review policy.
        deploy_timestamp_s: timestamp of the deployment block.
    """

    def __init__(self, rpc: RpcClient, admin: str, policy: Policy, deploy_timestamp_s: int) -> None:
        self.rpc = rpc
        self.admin = admin.lower()
        self.token_art = load_artifact("SettlementToken")
        self.ledger_art = load_artifact("ReceivableLedger")
        self.token = Codec(self.token_art.abi)
        self.ledger = Codec(self.ledger_art.abi)
        self.errors = Codec(self.token_art.abi + self.ledger_art.abi)
        self._result_topics = {self.ledger.topic(name) for name in RESULT_FIELDS}
        self._event_name_by_topic = {t: e.name for t, e in self.errors.events.items()}
        self._nonces: dict[str, int] = {}
        self._queue: list[tuple[int, LedgerOp]] = []
        self._last_op_id = 0
        self.tx_count = 0
        self.gas_used = 0
        self.blocks = 0
        self.nodes: tuple[Anvil, ...] = ()  # the processes behind ``rpc`` when this run owns them
        self.rpc.call("anvil_autoImpersonateAccount", [True])
        self.token_address, self.ledger_address = self._deploy(policy, deploy_timestamp_s)
        self.encoder = OpEncoder(self.token, self.ledger, self.token_address, self.ledger_address)

    # ----------------------------------------------------------------- deployment

    def _deploy(self, policy: Policy, timestamp_s: int) -> tuple[str, str]:
        self._ensure_accounts([self.admin])
        token_tx = self.token_art.bytecode + encode(["address"], [self.admin]).hex()
        token_hash = self._send_raw([self._tx(self.admin, None, token_tx, DEPLOY_GAS)])[0]
        token_address = self._contract_address(token_hash, timestamp_s)
        args = self._constructor_args(token_address, policy)
        ledger_hash = self._send_raw(
            [self._tx(self.admin, None, self.ledger_art.bytecode + args, DEPLOY_GAS)]
        )[0]
        ledger_address = self._contract_address(ledger_hash, timestamp_s + 1)
        log.info("deployed token %s, ledger %s", token_address, ledger_address)
        return token_address, ledger_address

    def _constructor_args(self, token_address: str, policy: Policy) -> str:
        policy_tuple = (
            policy.max_tenor_s,
            policy.grace_period_s,
            policy.default_period_s,
            policy.min_amount,
        )
        types = ["address", "address", "(uint64,uint64,uint64,uint128)"]
        return encode(types, [token_address, self.admin, policy_tuple]).hex()

    def _contract_address(self, tx_hash: str, timestamp_s: int) -> str:
        self.rpc.call("evm_mine", [timestamp_s])
        receipt = self.rpc.call("eth_getTransactionReceipt", [tx_hash])
        if receipt is None or receipt["status"] != "0x1":
            raise ChainError(f"contract deployment failed: {receipt}")
        address: str = receipt["contractAddress"].lower()
        return address

    # ----------------------------------------------------------------- accounts and txs

    def _ensure_accounts(self, accounts: list[str]) -> None:
        fresh = sorted({a for a in accounts if a not in self._nonces})
        if not fresh:
            return
        calls: list[Call] = [("anvil_setBalance", [a, AGENT_BALANCE_WEI]) for a in fresh]
        calls += [("eth_getTransactionCount", [a, "latest"]) for a in fresh]
        replies = self.rpc.batch(calls)
        for account, nonce in zip(fresh, replies[len(fresh) :], strict=True):
            self._nonces[account] = int(nonce, 16)

    def _tx(self, sender: str, to: str | None, data: str, gas: int) -> dict[str, str]:
        nonce = self._nonces[sender]
        self._nonces[sender] = nonce + 1
        tx = {"from": sender, "data": data, "gas": hex(gas), "nonce": hex(nonce)}
        if to is not None:
            tx["to"] = to
        return tx

    def _calldata(self, op: LedgerOp) -> tuple[str, str]:
        return self.encoder.calldata(op)

    def _send_raw(self, txs: list[dict[str, str]]) -> list[str]:
        hashes: list[str] = []
        for start in range(0, len(txs), BATCH_LIMIT):
            chunk = txs[start : start + BATCH_LIMIT]
            hashes += self.rpc.batch([("eth_sendTransaction", [tx]) for tx in chunk])
        return hashes

    # ----------------------------------------------------------------- the port

    def submit(self, op: LedgerOp) -> int:
        """Queue ``op``; return its correlation id."""
        self._last_op_id += 1
        self._queue.append((self._last_op_id, op))
        return self._last_op_id

    @property
    def pending(self) -> int:
        """Ops queued and not yet mined."""
        return len(self._queue)

    def step(self, timestamp_s: int) -> list[OpResult]:
        """Send the queue in order, mine one block at ``timestamp_s``, decode the outcome."""
        queue, self._queue = self._queue, []
        self._ensure_accounts([op.sender for _, op in queue])
        txs = []
        for _, op in queue:
            to, data = self._calldata(op)
            txs.append(self._tx(op.sender, to, data, gas_limit(op)))
        sent = [_Sent(t, op, h) for (t, op), h in zip(queue, self._send_raw(txs), strict=True)]
        self.rpc.call("evm_mine", [timestamp_s])
        self.blocks += 1
        receipts = self.rpc.call("eth_getBlockReceipts", ["latest"]) or []
        self._check_order(sent, receipts)
        self.tx_count += len(sent)
        return self._results(sent, receipts, timestamp_s)

    def _check_order(self, sent: list[_Sent], receipts: list[dict[str, Any]]) -> None:
        mined = [r["transactionHash"] for r in receipts]
        intended = [s.tx_hash for s in sent]
        if mined != intended:
            raise ChainError(
                f"mined order differs from submitted order ({len(mined)} mined, "
                f"{len(intended)} sent): determinism cannot be guaranteed"
            )

    def _results(
        self, sent: list[_Sent], receipts: list[dict[str, Any]], now_s: int
    ) -> list[OpResult]:
        failed = [s.tx_hash for s, r in zip(sent, receipts, strict=True) if r["status"] != "0x1"]
        revert_data = dict(
            zip(
                failed,
                self.rpc.batch([("ots_getTransactionError", [h]) for h in failed]),
                strict=True,
            )
        )
        results = []
        for item, receipt in zip(sent, receipts, strict=True):
            gas = int(receipt["gasUsed"], 16)
            self.gas_used += gas
            if receipt["status"] != "0x1":
                name, args = self.errors.decode_error(revert_data[item.tx_hash])
                results.append(
                    OpResult(
                        op=item.op,
                        op_id=item.op_id,
                        ok=False,
                        error=name,
                        error_args=args,
                        time_s=now_s,
                        gas_used=gas,
                        tx_hash=item.tx_hash,
                    )
                )
                continue
            fields = self._result_fields(receipt["logs"])
            results.append(
                OpResult(
                    op=item.op,
                    op_id=item.op_id,
                    ok=True,
                    time_s=now_s,
                    gas_used=gas,
                    tx_hash=item.tx_hash,
                    token_id=fields.get("token_id"),
                    payout=fields.get("payout"),
                    events=self._event_names(receipt["logs"]),
                )
            )
        return results

    def _event_names(self, logs: list[dict[str, Any]]) -> tuple[str, ...]:
        """Names of the emitted events (topic0 lookup only; full decoding where needed)."""
        names = self._event_name_by_topic
        return tuple(names.get(e["topics"][0], "?") for e in logs if e["topics"])

    def _result_fields(self, logs: list[dict[str, Any]]) -> dict[str, int]:
        fields: dict[str, int] = {}
        for entry in logs:
            topics = entry["topics"]
            if (
                not topics
                or topics[0] not in self._result_topics
                or entry["address"].lower() != self.ledger_address
            ):
                continue
            decoded = self.ledger.decode_log(entry)
            if decoded and decoded[0] in RESULT_FIELDS:
                key, source = RESULT_FIELDS[decoded[0]]
                fields[key] = int(decoded[1][source])
        return fields

    # ----------------------------------------------------------------- views (latest state only)

    def _view(self, codec: Codec, address: str, name: str, *args: Any) -> Any:
        data = codec.encode_call(name, args)
        try:
            raw = self.rpc.call("eth_call", [{"to": address, "data": data}, "latest"])
        except RpcError as err:
            raise ChainError(f"view {name}{args} failed: {err}") from err
        return codec.decode_output(name, raw)

    def receivable(self, token_id: int) -> ReceivableState:
        """Current state of ``token_id`` (status NONE if absent)."""
        (record,) = self._view(self.ledger, self.ledger_address, "receivable", token_id)
        status = Status(record[2])
        holder = ZERO
        if status != Status.NONE:
            (holder,) = self._view(self.ledger, self.ledger_address, "ownerOf", token_id)
        issuer, issue_date, _, financier, due, face, repaid, advance, parent, root, inv = record
        return ReceivableState(
            id=token_id,
            issuer=issuer,
            holder=holder,
            issue_date=issue_date,
            status=status,
            financier=financier,
            due_date=due,
            face_value=face,
            repaid=repaid,
            advance=advance,
            parent_id=parent,
            root_id=root,
            invoice_hash=inv,
        )

    def cash_balance(self, account: str) -> int:
        """Settlement-cash balance of ``account``."""
        value: int = self._view(self.token, self.token_address, "balanceOf", account)[0]
        return value

    def financed_outstanding(self, core: str, financier: str | None = None) -> int:
        """Financed, unpaid face of ``core``'s receivables (at ``financier``, or at all)."""
        if financier is None:
            return self._uint_view("financedOutstanding", core)
        return self._uint_view("financedBy", financier, core)

    def available_line(self, core: str, financier: str | None = None) -> int:
        """Remaining credit line of ``core`` (at ``financier``, or summed over its financiers)."""
        if financier is None:
            return self._uint_view("availableLine", core)
        return self._uint_view("availableLineOf", financier, core)

    def _uint_view(self, name: str, *args: str) -> int:
        value: int = self._view(self.ledger, self.ledger_address, name, *args)[0]
        return value

    def close(self) -> None:
        """Close the JSON-RPC session (Anvil itself belongs to whoever started it)."""
        self.rpc.close()


def start_nodes(start_timestamp_s: int, detach: bool = False) -> tuple[Anvil, Anvil]:
    """An empty base Anvil and the run's node, a fork of the base's genesis.

    Measured on Anvil 1.7.1: an unforked node rebuilds the whole state trie on every block (its
    in-memory database computes the state root from all accounts and slots), so an empty block
    costs more with every stored receivable; a forked node's database computes no state root,
    so its block cost stays flat. The base only answers the fork's reads of slots it has never
    seen (all empty); transactions, gas, errors and events are the same (see
    ``products.ledger.block_cost`` and the agreement tests).
    """
    base = Anvil(start_timestamp_s, detach=detach).start()
    try:
        fork = ("--fork-url", base.url, "--fork-block-number", "0", "--no-storage-caching")
        node = Anvil(start_timestamp_s, extra_args=fork, detach=detach).start()
    except BaseException:
        base.stop()
        raise
    return base, node


@contextmanager
def chain_ledger(admin: str, policy: Policy, start_timestamp_s: int) -> Iterator[ChainLedger]:
    """Start the run's Anvil (:func:`start_nodes`), deploy the contracts, yield the ledger; stop.

    Inside :func:`~products.ledger.anvil.keeping_anvil` a block that ends normally leaves the
    nodes running, detached, and logs the URL; an error or an interrupt still stops them.
    """
    keep = anvil_kept()
    base, anvil = start_nodes(start_timestamp_s, detach=keep)
    finished = False
    try:
        rpc = JsonRpc(anvil.url, on_transport_error=anvil.check_alive)
        ledger = ChainLedger(rpc, admin, policy, start_timestamp_s + 1)
        ledger.nodes = (base, anvil)
        try:
            yield ledger
            finished = True
        finally:
            ledger.close()
    finally:
        if keep and finished:
            log.warning("anvil left running at %s (pids %s, %s)", anvil.url, anvil.pid, base.pid)
        else:
            anvil.stop()
            base.stop()
