"""An in-process EVM node on pyrevm: Anvil's transaction semantics without a process or a socket.

The node keeps a mempool, mines one block per ``mine(timestamp)`` and executes each queued
transaction in order with the block's number and timestamp, like ``anvil --no-mining --order
fifo``. Gas follows Anvil's hardfork (Prague or later): revm's Cancun rules plus the EIP-7623
calldata floor, the only gas rule between them that a call without blobs or delegations meets.

Why every transaction runs under a journal checkpoint: pyrevm 0.3.7 never finalises revm's
journal between ``message_call``\\ s, so every account and slot a call touched stays *warm* and
keeps its first-seen *original* value for the rest of the session (measured: a second ``mint``
costs 24,974 gas instead of ~51,000; warm ``EXTCODESIZE`` in ``_safeMint``, the reentrancy
guard's refund and every ``SSTORE`` price would drift). ``EVM.commit()`` does not finalise either:
it only lowers the journal depth (later calls fail ``CallTooDeep``). So the node keeps the
journal's state empty between transactions and the world state in pyrevm's database:

1. ``snapshot()``, run the call (or deploy) on an empty journal state: cold/warm and original
   values are exactly those of a fresh transaction;
2. read which slots it wrote from the journal (``StorageChange`` entries with a previous value),
   their final values, its logs and its gas;
3. ``revert()`` — the journal state is empty again — and write the slots (and a deployment's
   code and nonce) to the database, each write under its own checkpoint so the write's account
   load is undone too.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import pyrevm

from sim.kernel.errors import ChainError

log = logging.getLogger(__name__)

CHAIN_ID = 31337
SPEC = "Cancun"  # revm 8's newest spec; Prague's calldata floor is applied below
TX_BASE_GAS = 21_000
FLOOR_GAS_PER_TOKEN = 10  # EIP-7623 (Prague): floor = 21,000 + 10 x calldata tokens
RECEIPT_HISTORY_BLOCKS = 64
# revm 8's Debug form of a write in the journal, read by position:
# "StorageChange { address: 0x<40 hex>, key: <decimal>, had_value: Some(<previous>) }"
_ENTRY_MARK = "StorageChange { address: "
_WRITE_MARK = ", had_value: Some"
_REVERT_OUTPUT = re.compile(r"output: 0x([0-9a-f]*)")


def calldata_floor_gas(data: bytes) -> int:
    """EIP-7623's minimum gas of a transaction carrying ``data`` (zero byte 1 token, others 4)."""
    zeros = data.count(0)
    return TX_BASE_GAS + FLOOR_GAS_PER_TOKEN * (zeros + 4 * (len(data) - zeros))


@dataclass
class Receipt:
    """The outcome of one mined transaction, in the node's own types."""

    tx_hash: str
    sender: str
    to: str | None
    block_number: int
    index: int
    ok: bool
    gas_used: int
    logs: list[tuple[str, list[str], str]] = field(default_factory=list)
    contract_address: str | None = None
    revert_data: str = "0x"


@dataclass(frozen=True)
class PendingTx:
    """A transaction waiting in the mempool."""

    tx_hash: str
    sender: str
    to: str | None
    data: bytes
    gas: int
    nonce: int


class RevmNode:
    """One in-process chain: pyrevm state, a FIFO mempool, blocks on demand.

    Args:
        start_timestamp_s: timestamp of the genesis block (block 0).
    """

    def __init__(self, start_timestamp_s: int) -> None:
        self.evm = pyrevm.EVM(spec_id=SPEC)
        self.block_number = 0
        self.timestamp_s = start_timestamp_s
        self.nonces: dict[str, int] = {}
        self.balances: dict[str, int] = {}
        self.pending: list[PendingTx] = []
        self.blocks: dict[int, list[Receipt]] = {0: []}
        self.receipts: dict[str, Receipt] = {}
        self.tx_count = 0

    # ----------------------------------------------------------------- accounts

    def nonce(self, account: str) -> int:
        """Next nonce of ``account`` (mined and pending transactions counted)."""
        return self.nonces.get(account.lower(), 0)

    def set_balance(self, account: str, wei: int) -> None:
        """Record ``account``'s ether balance (gas is free in the node: price 0, as in revm)."""
        self.balances[account.lower()] = wei

    # ----------------------------------------------------------------- mempool and blocks

    def send(self, sender: str, to: str | None, data: bytes, gas: int, nonce: int | None) -> str:
        """Queue a transaction; return its id in a hash's shape: the sender, then the nonce."""
        sender = sender.lower()
        expected = self.nonce(sender)
        if nonce is not None and nonce != expected:
            raise ChainError(f"nonce: {nonce} of {sender} must be the next nonce {expected}")
        self.nonces[sender] = expected + 1
        tx_hash = f"{sender}{expected:024x}"  # 32 bytes, unique per (sender, nonce)
        self.pending.append(PendingTx(tx_hash, sender, to and to.lower(), data, gas, expected))
        return tx_hash

    def mine(self, timestamp_s: int | None = None) -> int:
        """Mine the mempool into one block at ``timestamp_s`` (default: previous + 1 s)."""
        stamp = self.timestamp_s + 1 if timestamp_s is None else timestamp_s
        if stamp < self.timestamp_s:
            raise ChainError(
                f"timestamp: {stamp} must be >= the previous block's timestamp {self.timestamp_s}"
            )
        self.block_number += 1
        self.timestamp_s = stamp
        self.evm.set_block_env(pyrevm.BlockEnv(number=self.block_number, timestamp=stamp))
        txs, self.pending = self.pending, []
        receipts = [self._execute(tx, i) for i, tx in enumerate(txs)]
        self.blocks[self.block_number] = receipts
        for receipt in receipts:
            self.receipts[receipt.tx_hash] = receipt
        self.tx_count += len(receipts)
        self._forget(self.block_number - RECEIPT_HISTORY_BLOCKS)
        return self.block_number

    def _forget(self, block_number: int) -> None:
        for receipt in self.blocks.pop(block_number, []):
            del self.receipts[receipt.tx_hash]

    # ----------------------------------------------------------------- execution

    def _execute(self, tx: PendingTx, index: int) -> Receipt:
        receipt = Receipt(tx.tx_hash, tx.sender, tx.to, self.block_number, index, False, 0)
        floor = calldata_floor_gas(tx.data)
        if tx.gas < floor:
            raise ChainError(f"gas: {tx.gas} of {tx.tx_hash} must be >= the calldata floor {floor}")
        self.evm.reset_transient_storage()
        checkpoint = self.evm.snapshot()
        failure = ""
        try:
            if tx.to is None:
                receipt.contract_address = self._deploy_in_journal(tx)
            else:
                self.evm.message_call(tx.sender, tx.to, tx.data, gas=tx.gas)
            receipt.ok = True
        except RuntimeError as err:
            failure = str(err)
            receipt.revert_data = _revert_data(failure)
        result = self.evm.result
        if result is None:
            self.evm.revert(checkpoint)
            raise ChainError(f"transaction {tx.tx_hash} rejected by the EVM: {failure}")
        receipt.gas_used = max(result.gas_used, floor)
        writes: list[tuple[str, int, int]] = []
        code = b""
        if receipt.ok:
            receipt.logs = [_log(entry) for entry in result.logs]
            writes = self._written_slots()
            if receipt.contract_address:
                code = self.evm.get_code(receipt.contract_address) or b""
        self.evm.revert(checkpoint)
        if receipt.contract_address:  # the account first: a slot write would create it empty
            self._persist_contract(receipt.contract_address, code, tx.sender, tx.nonce)
        self._persist(writes)
        return receipt

    def _deploy_in_journal(self, tx: PendingTx) -> str:
        self._set_db_nonce(tx.sender, tx.nonce)  # CREATE addresses follow the sender's nonce
        return self.evm.deploy(tx.sender, tx.data, gas=tx.gas).lower()

    def _written_slots(self) -> list[tuple[str, int, int]]:
        """``(address, slot, final value)`` of every slot the open transaction wrote."""
        journal = self.evm.journal_str
        at = journal.rfind(", journal: [")
        keys: dict[tuple[str, int], None] = {}
        while (at := journal.find(_WRITE_MARK, at + 1)) >= 0:
            entry = journal.rfind(_ENTRY_MARK, 0, at) + len(_ENTRY_MARK)
            address = journal[entry : entry + 42]
            keys[address, int(journal[entry + 49 : at])] = None
        return [(address, key, self.evm.storage(address, key)) for address, key in keys]

    def _persist(self, writes: list[tuple[str, int, int]]) -> None:
        evm = self.evm
        for address, key, value in writes:
            checkpoint = evm.snapshot()
            evm.insert_account_storage(address, key, value)
            evm.revert(checkpoint)

    def _persist_contract(self, address: str, code: bytes, deployer: str, nonce: int) -> None:
        checkpoint = self.evm.snapshot()
        self.evm.insert_account_info(address, pyrevm.AccountInfo(nonce=1, code=code))
        self.evm.revert(checkpoint)
        self._set_db_nonce(deployer, nonce + 1)

    def _set_db_nonce(self, account: str, nonce: int) -> None:
        checkpoint = self.evm.snapshot()
        self.evm.insert_account_info(account, pyrevm.AccountInfo(nonce=nonce))
        self.evm.revert(checkpoint)

    # ----------------------------------------------------------------- reads

    def call(self, sender: str | None, to: str, data: bytes, gas: int) -> tuple[bool, bytes]:
        """Run a read-only call on the latest state: ``(ok, output or revert data)``."""
        checkpoint = self.evm.snapshot()
        try:
            out = self.evm.message_call(sender or "0x" + "00" * 20, to, data, gas=gas)
            return True, bytes(out)
        except RuntimeError as err:
            return False, bytes.fromhex(_revert_data(str(err))[2:])
        finally:
            self.evm.revert(checkpoint)

    def receipt(self, tx_hash: str) -> Receipt | None:
        """The receipt of ``tx_hash`` if it was mined in the last blocks kept."""
        return self.receipts.get(tx_hash)

    def block_receipts(self, number: int) -> list[Receipt] | None:
        """Receipts of block ``number`` in order, or None if not kept."""
        return self.blocks.get(number)


def _revert_data(failure: str) -> str:
    """Revert data in pyrevm's error text (``Revert { gas_used, output: 0x.. }``); ``0x`` for a
    halt (out of gas, invalid opcode), which carries none."""
    match = _REVERT_OUTPUT.search(failure)
    return "0x" + match.group(1) if match else "0x"


def _log(entry: Any) -> tuple[str, list[str], str]:
    return entry.address.lower(), list(entry.topics), "0x" + bytes(entry.data[1]).hex()
