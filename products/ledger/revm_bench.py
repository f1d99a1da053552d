"""The revm backend's throughput: the chain adapter on the in-process node vs pyrevm's raw loop.

Same planned op mix as :mod:`products.ledger.bench`. (a) ``ChainLedger`` on :class:`RevmRpc`:
everything the run pays — encoding, nonces, the JSON-RPC shapes, one block per step, each
transaction on a fresh journal with its writes persisted, receipts, event and error decoding.
(b) The raw limit: the same pre-encoded calls as bare ``EVM.message_call`` in a loop on the
same deployed state, block env set per block — no journal reset (so its gas is not Anvil's),
no receipts, no decoding. Printed by ``python -m products.ledger.bench``; not a test.
"""

from __future__ import annotations

import time

import pyrevm

from products.ledger.calls import gas_limit
from products.ledger.chain import ChainLedger
from products.ledger.revm_rpc import RevmRpc
from products.ledger.testing import BENCH_LABEL as LABEL
from products.ledger.testing import HOUR_S, POLICY, T0, World, make_admin, replay
from products.ledger.testing import BenchPlan as Plan


def _fresh() -> tuple[RevmRpc, ChainLedger, World]:
    rpc = RevmRpc(start_timestamp_s=T0)
    ledger = ChainLedger(rpc, make_admin(LABEL), POLICY, T0 + 1)
    world = World(ledger, LABEL, T0 + 10)
    world.setup()
    return rpc, ledger, world


def run_adapter(steps: Plan) -> tuple[float, dict[str, list[int]]]:
    """Seconds to push ``steps`` through ChainLedger on the revm node; gas per op kind."""
    _, ledger, world = _fresh()
    return replay(ledger, world, steps)


def run_raw(steps: Plan) -> float:
    """Seconds for the same calls as bare ``message_call``\\ s (calldata encoded beforehand)."""
    rpc, ledger, world = _fresh()
    evm = rpc.node.evm
    blocks: list[list[tuple[str, str, bytes, int]]] = []
    for ops in steps:
        calls = []
        for op in ops:
            to, hex_data = ledger._calldata(op)
            calls.append((op.sender, to, bytes.fromhex(hex_data[2:]), gas_limit(op)))
        blocks.append(calls)
    number, now = rpc.node.block_number, world.now_s
    began = time.perf_counter()
    for i, calls in enumerate(blocks):
        evm.set_block_env(pyrevm.BlockEnv(number=number + i + 1, timestamp=now + (i + 1) * HOUR_S))
        for sender, target, data, gas in calls:
            evm.message_call(sender, target, data, gas=gas)
    return time.perf_counter() - began
