"""Anvil's cost of one empty block against the receivables it stores, per set of node flags.

``python -m products.ledger.bench --block-cost [--levels 0,1000,3000,6000] [--mines 15]``

A fresh Anvil per flag set gets the test world, then receivables issued in blocks of 500 up to
each level; at each level it mines ``--mines`` empty blocks (``evm_mine`` at the next sim hour)
and the median wall time of one is reported. "before" is a plain node with the project's flags;
"after" is the run's node since the fix, a fork of an empty base node, whose database computes
no state root (:func:`~products.ledger.chain.start_nodes`). The in-process revm node gives the
floor. Not a test: it prints figures.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial

from products.ledger.anvil import FLAGS, Anvil
from products.ledger.chain import ChainLedger, start_nodes
from products.ledger.ops import Issue
from products.ledger.revm_rpc import RevmRpc
from products.ledger.rpc import JsonRpc, RpcClient
from products.ledger.testing import HOUR_S, POLICY, T0, World, make_admin
from sim.kernel.calendar import DAY_S

LEVELS = (0, 1_000, 3_000, 6_000)
ISSUES_PER_BLOCK = 500
LABEL = "block-cost"
NodeFactory = Callable[[], AbstractContextManager[RpcClient]]


@contextmanager
def _anvil(flags: tuple[str, ...]) -> Iterator[RpcClient]:
    with Anvil(T0, flags=flags) as anvil:
        yield JsonRpc(anvil.url, on_transport_error=anvil.check_alive)


@contextmanager
def _forked() -> Iterator[RpcClient]:
    base, node = start_nodes(T0)
    try:
        yield JsonRpc(node.url, on_transport_error=node.check_alive)
    finally:
        node.stop()
        base.stop()


@contextmanager
def _revm() -> Iterator[RpcClient]:
    yield RevmRpc(start_timestamp_s=T0)


VARIANTS: dict[str, NodeFactory] = {
    "anvil, project flags (before)": partial(_anvil, FLAGS),
    "anvil, fork of an empty base (after)": _forked,
    "anvil, without --prune-history": partial(
        _anvil, tuple(f for f in FLAGS if f != "--prune-history")
    ),
    "anvil, + --transaction-block-keeper 1": partial(
        _anvil, (*FLAGS, "--transaction-block-keeper", "1")
    ),
    "anvil, + --slots-in-an-epoch 1": partial(_anvil, (*FLAGS, "--slots-in-an-epoch", "1")),
    "revm node": _revm,
}


def _fill(world: World, count: int) -> None:
    """Issue ``count`` more receivables to the first supplier, 500 per block."""
    while count > 0:
        n = min(ISSUES_PER_BLOCK, count)
        ops = [
            Issue(
                sender=world.core,
                supplier=world.s1,
                face_fen=100_000,
                due_s=world.now_s + 170 * DAY_S,
                invoice_hash=world.new_invoice(),
            )
            for _ in range(n)
        ]
        failed = [r for r in world.run(*ops) if not r.ok]
        if failed:
            raise RuntimeError(f"block-cost fill failed: {failed[:2]}")
        count -= n


def empty_block_ms(node: NodeFactory, levels: tuple[int, ...], mines: int) -> dict[int, float]:
    """Median milliseconds of one empty ``evm_mine`` at each level of stored receivables."""
    out: dict[int, float] = {}
    with node() as rpc:
        world = World(ChainLedger(rpc, make_admin(LABEL), POLICY, T0 + 1), LABEL, T0 + 10)
        world.setup()
        stored = 0
        for level in levels:
            _fill(world, level - stored)
            stored = level
            times = []
            for _ in range(mines):
                world.now_s += HOUR_S
                began = time.perf_counter()
                rpc.call("evm_mine", [world.now_s])
                times.append(time.perf_counter() - began)
            out[level] = 1_000 * statistics.median(times)
    return out


def main(levels: tuple[int, ...] = LEVELS, mines: int = 15, only: str | None = None) -> int:
    """Print the per-block cost table: one row per variant, one column per level."""
    print(f"empty block cost (median of {mines} evm_mine, ms) vs stored receivables")
    print(f"{'variant':40s}" + "".join(f"{level:>10,d}" for level in levels))
    for name, node in VARIANTS.items():
        if only and only not in name:
            continue
        row = empty_block_ms(node, levels, mines)
        print(f"{name:40s}" + "".join(f"{row[level]:10.3f}" for level in levels), flush=True)
    return 0
