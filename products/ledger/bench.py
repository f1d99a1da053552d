"""Throughput benchmark: the chain adapter vs its raw limit on the same transaction mix.

``python -m products.ledger.bench [--blocks N] [--issues-per-block K] [--repeats R]``
``python -m products.ledger.bench --block-cost`` — Anvil's empty-block cost against stored
receivables per flag set (:mod:`products.ledger.block_cost`).

A receivables pipeline (issue → accept + split + finance → accept + finance of the child → repay
both) is planned once on the reference model, so every transaction is valid and ids are known.
The same blocks are then replayed on fresh Anvils (a) through :class:`ChainLedger` (encoding,
nonces, batches of 64, mining, receipts, order check, event/error decoding — all timed) and
(b) as raw JSON-RPC with calldata encoded before the clock starts (send batches of 64,
``evm_mine``, ``eth_getBlockReceipts``). Runs alternate a/b so machine noise hits both; the
median of each is compared. ``--backend revm`` (or ``both``, the default) does the same for the
in-process node against pyrevm's bare ``message_call`` loop (:mod:`products.ledger.revm_bench`).
Not a test: it prints measured numbers.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from products.ledger.anvil import Anvil
from products.ledger.calls import gas_limit
from products.ledger.chain import BATCH_LIMIT, ChainLedger, start_nodes
from products.ledger.fake import FakeLedger
from products.ledger.ops import Accept, Finance, Issue, LedgerOp, Repay, Split
from products.ledger.rpc import JsonRpc
from products.ledger.testing import BENCH_LABEL as LABEL
from products.ledger.testing import HOUR_S, POLICY, T0, BenchPlan, World, make_admin, replay
from sim.kernel.calendar import DAY_S

Plan = BenchPlan
RAW_NAMES = {"anvil": "raw batched JSON-RPC", "revm": "raw message_call loop"}


def plan(blocks: int, issues_per_block: int) -> tuple[Plan, World]:
    """Blocks of ops for the pipeline, validated on the reference model (all must succeed)."""
    world = World(FakeLedger(make_admin(LABEL), POLICY), LABEL, T0 + 10)
    world.setup()
    steps: Plan = []
    issued: list[int] = []
    split: list[tuple[int, int]] = []
    financed: list[tuple[int, int]] = []
    for _ in range(blocks):
        state = world.ledger.state  # type: ignore[attr-defined]
        ops: list[LedgerOp] = []
        for parent, child in financed:
            ops += [
                Repay(sender=world.core, token_id=parent, amount_fen=700_000),
                Repay(sender=world.core, token_id=child, amount_fen=300_000),
            ]
        next_id = state.next_id
        new_pairs = []
        for parent in issued:
            ops += [
                Accept(sender=world.s1, token_id=parent),
                Split(sender=world.s1, token_id=parent, to=world.s2, amount_fen=300_000),
                Finance(sender=world.s1, token_id=parent, financier=world.bank),
            ]
            new_pairs.append((parent, next_id))
            next_id += 1
        for _parent, child in split:
            ops += [
                Accept(sender=world.s2, token_id=child),
                Finance(sender=world.s2, token_id=child, financier=world.bank),
            ]
        first_new = next_id
        due = world.now_s + HOUR_S + 90 * DAY_S
        ops += [
            Issue(
                sender=world.core,
                supplier=world.s1,
                face_fen=1_000_000,
                due_s=due,
                invoice_hash=world.new_invoice(),
            )
            for _ in range(issues_per_block)
        ]
        results = world.run(*ops)
        bad = [r for r in results if not r.ok]
        if bad:
            raise RuntimeError(f"benchmark plan invalid: {bad[:2]}")
        steps.append(ops)
        financed, split = split, new_pairs
        issued = list(range(first_new, first_new + issues_per_block))
    return steps, world


@dataclass
class _Nodes:
    base: Anvil
    node: Anvil

    def stop(self) -> None:
        self.node.stop()
        self.base.stop()


def _fresh_ledger() -> tuple[_Nodes, ChainLedger, World]:
    """The run's kind of node (a fork of an empty base, :func:`start_nodes`) with the world."""
    anvil = _Nodes(*start_nodes(T0))
    ledger = ChainLedger(JsonRpc(anvil.node.url), make_admin(LABEL), POLICY, T0 + 1)
    world = World(ledger, LABEL, T0 + 10)
    world.setup()
    return anvil, ledger, world


def run_adapter(steps: Plan) -> tuple[float, dict[str, list[int]]]:
    """Seconds to push ``steps`` through ChainLedger; gas per op kind."""
    anvil, ledger, world = _fresh_ledger()
    try:
        return replay(ledger, world, steps)
    finally:
        ledger.close()
        anvil.stop()


def run_raw(steps: Plan) -> float:
    """Seconds to push the same transactions as raw batched JSON-RPC (calldata pre-encoded)."""
    anvil, ledger, world = _fresh_ledger()
    try:
        ledger._ensure_accounts([op.sender for ops in steps for op in ops])
        nonces = dict(ledger._nonces)
        blocks = []
        for ops in steps:
            txs = []
            for op in ops:
                to, data = ledger._calldata(op)
                nonce = hex(nonces[op.sender])
                gas = hex(gas_limit(op))
                txs.append({"from": op.sender, "to": to, "data": data, "gas": gas, "nonce": nonce})
                nonces[op.sender] += 1
            blocks.append(txs)
        rpc, now = JsonRpc(anvil.node.url), world.now_s
        began = time.perf_counter()
        for i, txs in enumerate(blocks):
            for start in range(0, len(txs), BATCH_LIMIT):
                rpc.batch(
                    [("eth_sendTransaction", [tx]) for tx in txs[start : start + BATCH_LIMIT]]
                )
            rpc.call("evm_mine", [now + (i + 1) * HOUR_S])
            receipts = rpc.call("eth_getBlockReceipts", ["latest"])
            if len(receipts) != len(txs) or any(r["status"] != "0x1" for r in receipts):
                raise RuntimeError("raw replay: a transaction failed or was not mined")
        return time.perf_counter() - began
    finally:
        ledger.close()
        anvil.stop()


def _rates(n_tx: int, seconds: list[float]) -> str:
    return ", ".join(f"{n_tx / s:.0f}" for s in seconds)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print tx/s for both paths, their ratio and gas per operation."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=40)
    parser.add_argument("--issues-per-block", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backend", choices=("anvil", "revm", "both"), default="both")
    parser.add_argument("--block-cost", action="store_true", help="empty-block cost table")
    parser.add_argument("--levels", default="0,1000,3000,6000", help="stored receivables")
    parser.add_argument("--mines", type=int, default=15, help="empty blocks per level")
    parser.add_argument("--only", help="block-cost variants whose name contains this")
    args = parser.parse_args(argv)
    if args.block_cost:
        from products.ledger import block_cost

        levels = tuple(int(x) for x in args.levels.split(","))
        return block_cost.main(levels, args.mines, args.only)
    steps, _ = plan(args.blocks, args.issues_per_block)
    n_tx = sum(len(ops) for ops in steps)
    print(
        f"tx mix: {n_tx} transactions in {len(steps)} blocks (~{n_tx // len(steps)} per block), "
        f"{args.repeats} alternating repeats, median"
    )
    rates: dict[str, float] = {}
    if args.backend in ("anvil", "both"):
        rates["anvil"] = _compare("anvil", steps, args.repeats, run_adapter, run_raw)
    if args.backend in ("revm", "both"):
        from products.ledger import revm_bench

        runs = (revm_bench.run_adapter, revm_bench.run_raw)
        rates["revm"] = _compare("revm", steps, args.repeats, *runs)
    if len(rates) == 2:
        print(f"revm / anvil adapter : {rates['revm'] / rates['anvil']:8.1f}x")
    return 0


def _compare(
    backend: str,
    steps: Plan,
    repeats: int,
    adapter: Callable[[Plan], tuple[float, dict[str, list[int]]]],
    raw: Callable[[Plan], float],
) -> float:
    """Alternate adapter and raw runs; print both rates, their ratio and gas; the adapter rate."""
    n_tx = sum(len(ops) for ops in steps)
    adapter_s: list[float] = []
    raw_s: list[float] = []
    gas: dict[str, list[int]] = {}
    for _ in range(repeats):
        seconds, gas = adapter(steps)
        adapter_s.append(seconds)
        raw_s.append(raw(steps))
    adapter_rate, raw_rate = n_tx / statistics.median(adapter_s), n_tx / statistics.median(raw_s)
    raw_name = RAW_NAMES[backend]
    print(f"[{backend}] {raw_name:22s}: {raw_rate:8.0f} tx/s  (runs: {_rates(n_tx, raw_s)})")
    print(
        f"[{backend}] {'ChainLedger adapter':22s}: {adapter_rate:8.0f} tx/s  "
        f"(runs: {_rates(n_tx, adapter_s)})"
    )
    print(f"[{backend}] {'adapter / raw':22s}: {adapter_rate / raw_rate:8.2f}x")
    means = ", ".join(f"{k} {statistics.mean(v):.0f}" for k, v in sorted(gas.items()))
    print(f"[{backend}] gas per operation (mean): {means}")
    return adapter_rate


if __name__ == "__main__":
    sys.exit(main())
