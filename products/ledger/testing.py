"""Shared test world for every ledger backend (web3.py's ``module_testing`` pattern).

A :class:`World` puts one admin, two core enterprises, three suppliers, two banks (only the
first with a credit line), an auditor and an outsider on any
:class:`~products.ledger.port.LedgerPort`, funds and authorises them, and offers
short helpers so contract tests, the conformance suite and the stateful test read the same way.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from products.ledger.fake import FakeLedger
from products.ledger.ops import (
    Accept,
    ApproveCash,
    Finance,
    GrantRole,
    Issue,
    LedgerOp,
    Mint,
    Policy,
    SetCreditLine,
    SetTerms,
    Terms,
)
from products.ledger.paper import PaperLedger
from products.ledger.port import MAX_UINT256, LedgerPort, OpResult, derive_address, invoice_hash
from sim.kernel.calendar import DAY_S

#: A benchmark's blocks of ops, planned on the reference model (products.ledger.bench).
BenchPlan = list[list[LedgerOp]]
#: The address label of the benchmarks' worlds.
BENCH_LABEL = "bench"

T0 = 1_735_689_600  # 2025-01-01 UTC
HOUR_S = 3_600
POLICY = Policy(
    max_tenor_s=180 * DAY_S,
    grace_period_s=7 * DAY_S,
    default_period_s=60 * DAY_S,
    min_amount=10_000,
)
OPENING_CASH = 10**13
CREDIT_LINE = 10**10
# 4.5% p.a., 0.1% fee, advance at most 99% of face (both branches bind)
TERMS = Terms(rate_bps=450, fee_bps=10, advance_cap_bps=9_900)
TERMS2 = Terms(rate_bps=600, fee_bps=20, advance_cap_bps=9_800)  # the second bank's
BACKENDS = ("fake", "paper", "chain", "revm")


def make_admin(label: str) -> str:
    """Admin address for a test world labelled ``label``."""
    return derive_address(0, "test", label, "admin")


@contextmanager
def running_anvil() -> Iterator[str]:
    """A fresh Anvil for a test module; yields its URL."""
    from products.ledger.anvil import Anvil

    with Anvil(T0) as anvil:
        yield anvil.url


@contextmanager
def open_world(kind: str, label: str, chain_url: str | None = None) -> Iterator[World]:
    """A set-up :class:`World` on a fresh ledger of ``kind`` (fake, paper, chain or revm).

    The chain backend deploys new contracts on the Anvil at ``chain_url``, starting after its
    latest block so timestamps keep increasing across tests sharing one node; revm deploys them
    on a fresh in-process node through the same adapter.
    """
    admin, t0 = make_admin(label), T0
    if kind in ("fake", "paper"):
        ledger: LedgerPort = (
            FakeLedger(admin, POLICY) if kind == "fake" else PaperLedger(admin, POLICY)
        )
    elif kind == "chain" and chain_url:
        from products.ledger.chain import ChainLedger
        from products.ledger.rpc import JsonRpc

        rpc = JsonRpc(chain_url)
        t0 = max(T0, int(rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16) + 10)
        ledger = ChainLedger(rpc, admin, POLICY, t0 + 1)
    elif kind == "revm":
        from products.ledger.chain import ChainLedger
        from products.ledger.revm_rpc import RevmRpc

        ledger = ChainLedger(RevmRpc(start_timestamp_s=t0), admin, POLICY, t0 + 1)
    else:
        raise ValueError(f"backend: {kind!r} must be one of {BACKENDS} (chain needs chain_url)")
    world = World(ledger, label, t0 + 10)
    try:
        world.setup()
        yield world
    finally:
        ledger.close()


class World:
    """Named actors on a ledger plus helpers; ``now_s`` advances one hour per step by default."""

    def __init__(self, ledger: LedgerPort, label: str, t0: int = T0) -> None:
        self.ledger = ledger
        self.now_s = t0 + 3_600
        self.label = label
        actor = lambda name: derive_address(0, "test", label, name)  # noqa: E731
        self.admin = ledger.admin
        self.core, self.core2 = actor("core"), actor("core2")
        self.s1, self.s2, self.s3 = actor("s1"), actor("s2"), actor("s3")
        self.bank, self.bank2 = actor("bank"), actor("bank2")
        self.auditor, self.outsider = actor("auditor"), actor("outsider")
        self.invoices = 0

    def setup(self) -> None:
        """Roles, opening cash, allowances, both banks' terms and the first bank's line."""
        a = self.admin
        grants = [("CORE_ROLE", self.core), ("CORE_ROLE", self.core2)]
        grants += [("FINANCIER_ROLE", self.bank), ("FINANCIER_ROLE", self.bank2)]
        grants += [("AUDITOR_ROLE", self.auditor)]
        grants += [("SUPPLIER_ROLE", s) for s in (self.s1, self.s2, self.s3)]
        payers = (self.core, self.core2, self.bank, self.bank2)
        ops: list[LedgerOp] = [GrantRole(sender=a, role=r, account=who) for r, who in grants]
        ops += [Mint(sender=a, to=who, amount_fen=OPENING_CASH) for who in payers]
        ops += [ApproveCash(sender=who, amount_fen=MAX_UINT256) for who in payers]
        ops += [
            SetTerms(sender=self.bank, terms=TERMS),
            SetTerms(sender=self.bank2, terms=TERMS2),
            SetCreditLine(sender=self.bank, core=self.core, line_fen=CREDIT_LINE),
        ]
        results = self.run(*ops)
        failed = [r for r in results if not r.ok]
        if failed:
            raise AssertionError(f"world setup failed: {failed}")

    def run(self, *ops: LedgerOp, hours: float = 1) -> list[OpResult]:
        """Submit ``ops`` in order and step one block ``hours`` later; every completed result."""
        for op in ops:
            self.ledger.submit(op)
        self.now_s += round(hours * HOUR_S)
        return self.ledger.step(self.now_s)

    def one(self, op: LedgerOp, hours: float = 1) -> OpResult:
        """Run a single op and return its result."""
        (result,) = self.run(op, hours=hours)
        return result

    def new_invoice(self) -> str:
        """A fresh unique invoice hash."""
        self.invoices += 1
        return invoice_hash(self.label, self.invoices)

    def issue(self, face: int = 1_000_000, days: float = 90, to: str | None = None) -> int:
        """Core issues a receivable to ``to`` (default s1) due in ``days``; returns its id."""
        due = self.now_s + round(days * DAY_S)
        issue = Issue(
            sender=self.core,
            supplier=to or self.s1,
            face_fen=face,
            due_s=due,
            invoice_hash=self.new_invoice(),
        )
        result = self.one(issue)
        assert result.ok and result.token_id is not None, result
        return result.token_id

    def accepted(self, face: int = 1_000_000, days: float = 90, to: str | None = None) -> int:
        """An issued and accepted receivable held by ``to`` (default s1)."""
        token_id = self.issue(face, days, to)
        holder = to or self.s1
        assert self.one(Accept(sender=holder, token_id=token_id)).ok
        return token_id

    def financed(self, face: int = 1_000_000, days: float = 90, at: str | None = None) -> int:
        """A receivable of s1 financed at ``at`` (default the first bank)."""
        token_id = self.accepted(face, days)
        financier = at or self.bank
        result = self.one(Finance(sender=self.s1, token_id=token_id, financier=financier))
        assert result.ok, result
        return token_id


def replay(
    ledger: LedgerPort, world: World, steps: BenchPlan
) -> tuple[float, dict[str, list[int]]]:
    """Seconds to push a benchmark's ``steps`` through ``ledger``, one block per sim hour after
    ``world``'s clock, and the gas of each op kind; every op must succeed."""
    gas: dict[str, list[int]] = defaultdict(list)
    now = world.now_s
    began = time.perf_counter()
    for i, ops in enumerate(steps):
        for op in ops:
            ledger.submit(op)
        for result in ledger.step(now + (i + 1) * HOUR_S):
            if not result.ok:
                raise RuntimeError(f"benchmark replay failed: {result}")
            gas[result.op.kind].append(result.gas_used)
    return time.perf_counter() - began, gas
