"""Random operation sequences on the real contracts and on the pure-Python reference model.

The contracts run on Anvil and, through the same adapter, on the in-process revm node.

Both must agree on every outcome (ok / decoded error / new id / payout), on every touched
receivable, on every actor's cash and on each financier's outstanding and line after every step.
Two financiers hold lines on the same core, anyone may try to set anyone's line, and the admin
revokes and re-grants supplier and financier roles mid-sequence.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from products.ledger import (
    Accept,
    CashTransferFrom,
    FakeLedger,
    Finance,
    GrantRole,
    Issue,
    LedgerOp,
    MarkDefaulted,
    MarkOverdue,
    Pause,
    Repay,
    RevokeRole,
    SetCreditLine,
    Split,
    Transfer,
    Unpause,
    WriteOff,
)
from products.ledger.port import Status
from products.ledger.testing import HOUR_S, POLICY, World, open_world, running_anvil
from sim.kernel.calendar import DAY_S


def _mostly(valid: list[int], edge: list[int]) -> st.SearchStrategy[int]:
    """Valid values four times out of five, boundary values otherwise."""
    return st.one_of(*[st.sampled_from(valid)] * 4, st.sampled_from(edge))


FACES = _mostly([250_000, 1_000_000, 3_000_000], [0, 9_999, 10_000, 10**10 + 1])
DAYS = _mostly([1, 30, 90, 150], [-1, 200])
HOURS = st.sampled_from([1, 24, 24 * 8, 24 * 70])
IDS = st.integers(min_value=1, max_value=12)
TOKEN_OPS = (Accept, Split, Transfer, Finance, Repay, MarkOverdue, MarkDefaulted, WriteOff)


@pytest.fixture(scope="module")
def anvil_url() -> Iterator[str]:
    with running_anvil() as url:
        yield url


class LedgerMachine(RuleBasedStateMachine):
    """Drives the chain world and a reference world with identical ops and timestamps."""

    url: str = ""
    backend: str = "chain"

    @initialize()
    def open(self) -> None:
        self._ctx = open_world(self.backend, "stateful", self.url or None)
        self.chain = self._ctx.__enter__()
        self.ref = World(FakeLedger(self.chain.admin, POLICY), "stateful")
        self.ref.setup()
        self.ref.now_s = self.chain.now_s
        chain = self.chain
        self.actors = [chain.core, chain.core2, chain.s1, chain.s2, chain.s3]
        self.actors += [chain.bank, chain.bank2, chain.outsider, chain.admin]
        self.banks = [chain.bank, chain.bank2]
        self.touched: set[int] = set()
        self._both(SetCreditLine(sender=chain.bank2, core=chain.core, line_fen=3_000_000))

    def teardown(self) -> None:
        if hasattr(self, "_ctx"):
            self._ctx.__exit__(None, None, None)

    def _both(self, *ops: LedgerOp, hours: int = 1) -> None:
        got = self.chain.run(*ops, hours=hours)
        want = self.ref.run(*ops, hours=hours)
        shape = lambda rs: [(r.ok, r.error, r.token_id, r.payout) for r in rs]  # noqa: E731
        assert shape(got) == shape(want)
        self.touched.update(op.token_id for op in ops if isinstance(op, TOKEN_OPS))
        self.touched.update(r.token_id for r in got if r.token_id)

    def _pick(self, data: st.DataObject, name: str, likely: str | None = None) -> str:
        """Mostly the actor a valid op needs (so sequences get deep), sometimes anyone."""
        if likely is not None and data.draw(st.integers(0, 9), label=f"{name}-valid") < 8:
            return likely
        return data.draw(st.sampled_from(self.actors), label=name)

    def _token(self, data: st.DataObject) -> int:
        issued = self.ref.ledger.state.next_id - 1  # type: ignore[attr-defined]
        if issued and data.draw(st.integers(0, 9), label="known-id") < 9:
            return data.draw(st.integers(1, issued), label="id")
        return data.draw(IDS, label="any-id")

    def _holder(self, token_id: int) -> str:
        return self.ref.ledger.receivable(token_id).holder

    def _supplier(self, data: st.DataObject) -> str:
        return data.draw(
            st.sampled_from([self.chain.s1, self.chain.s2, self.chain.s3]), label="supplier"
        )

    @rule(data=st.data(), face=FACES, days=DAYS, reuse=_mostly([0], [1]))
    def issue(self, data: st.DataObject, face: int, days: int, reuse: bool) -> None:
        inv = (
            self.chain.new_invoice()
            if not reuse or self.chain.invoices == 0
            else self._last_invoice()
        )
        self.ref.invoices = self.chain.invoices
        due = self.chain.now_s + HOUR_S + days * DAY_S
        to = self._pick(data, "to", self._supplier(data))
        self._both(
            Issue(
                sender=self._pick(data, "issuer", self.chain.core),
                supplier=to,
                face_fen=face,
                due_s=due,
                invoice_hash=inv,
            )
        )

    @rule(data=st.data(), face=FACES, days=DAYS, stage=st.integers(0, 2))
    def deal(self, data: st.DataObject, face: int, days: int, stage: int) -> None:
        """Issue, accept and maybe finance in one block (ids are predictable from the model)."""
        token_id = self.ref.ledger.state.next_id  # type: ignore[attr-defined]
        supplier, chain = self._supplier(data), self.chain
        due = chain.now_s + HOUR_S + days * DAY_S
        inv = chain.new_invoice()
        bank = data.draw(st.sampled_from(self.banks), label="bank")
        ops = [
            Issue(sender=chain.core, supplier=supplier, face_fen=face, due_s=due, invoice_hash=inv),
            Accept(sender=supplier, token_id=token_id),
            Finance(sender=supplier, token_id=token_id, financier=bank),
        ]
        self._both(*ops[: stage + 1])

    @rule(data=st.data(), face=st.sampled_from([250_000, 1_000_000, 2_000_000]))
    def financed(self, data: st.DataObject, face: int) -> None:
        """A valid issue, accept and finance at either bank (so lines bind and books fill)."""
        token_id = self.ref.ledger.state.next_id  # type: ignore[attr-defined]
        supplier, chain, bank = self._supplier(data), self.chain, self._bank(data)
        due, inv = chain.now_s + 30 * DAY_S, chain.new_invoice()
        self._both(
            Issue(sender=chain.core, supplier=supplier, face_fen=face, due_s=due, invoice_hash=inv),
            Accept(sender=supplier, token_id=token_id),
            Finance(sender=supplier, token_id=token_id, financier=bank),
        )

    def _last_invoice(self) -> str:
        from products.ledger import invoice_hash

        return invoice_hash("stateful", self.chain.invoices)

    @rule(
        data=st.data(),
        kind=st.sampled_from([Accept, MarkOverdue, MarkDefaulted, WriteOff]),
    )
    def unary(
        self, data: st.DataObject, kind: type[Accept | MarkOverdue | MarkDefaulted | WriteOff]
    ) -> None:
        token_id = self._token(data)
        sender = self._pick(data, "sender", self._holder(token_id))
        self._both(kind(sender=sender, token_id=token_id))

    @rule(data=st.data(), amount=st.sampled_from([0, 1, 100_000, 10**10]))
    def split(self, data: st.DataObject, amount: int) -> None:
        token_id = self._token(data)
        sender, to = (
            self._pick(data, "sender", self._holder(token_id)),
            self._pick(data, "to", self._supplier(data)),
        )
        self._both(Split(sender=sender, token_id=token_id, to=to, amount_fen=amount))

    @rule(data=st.data())
    def transfer(self, data: st.DataObject) -> None:
        token_id = self._token(data)
        sender, to = (
            self._pick(data, "sender", self._holder(token_id)),
            self._pick(data, "to", self._supplier(data)),
        )
        self._both(Transfer(sender=sender, token_id=token_id, to=to))

    @rule(data=st.data())
    def finance(self, data: st.DataObject) -> None:
        token_id = self._token(data)
        sender = self._pick(data, "sender", self._holder(token_id))
        self._both(
            Finance(
                sender=sender,
                token_id=token_id,
                financier=self._pick(data, "financier", self._bank(data)),
            )
        )

    @rule(data=st.data(), part=st.sampled_from([0, 1, 2]))
    def repay(self, data: st.DataObject, part: int) -> None:
        token_id = self._token(data)
        r = self.ref.ledger.receivable(token_id)
        remaining = r.face_value - r.repaid
        amount = [0, remaining // 2, remaining][part]
        self._both(
            Repay(sender=self._pick(data, "payer", r.issuer), token_id=token_id, amount_fen=amount)
        )

    @rule(data=st.data())
    def pause(self, data: st.DataObject) -> None:
        """An incident freeze inside one block: pause, an attempt to act, unpause."""
        token_id = self._token(data)
        admin = self._pick(data, "sender", self.chain.admin)
        attempt = Finance(
            sender=self._holder(token_id), token_id=token_id, financier=self.chain.bank
        )
        self._both(Pause(sender=admin), attempt, Unpause(sender=self.chain.admin))

    def _bank(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(self.banks), label="bank")

    @rule(data=st.data(), line=st.sampled_from([0, 500_000, 10**10]))
    def credit_line(self, data: st.DataObject, line: int) -> None:
        """Mostly a bank's own line; sometimes the admin's, another bank's or anyone's try."""
        owner = data.draw(st.sampled_from([None, *self.banks, self.chain.s1]), label="owner")
        rival = [b for b in self.banks if b != owner] or self.banks
        likely = data.draw(
            st.sampled_from([owner or self._bank(data), owner or self._bank(data), *rival]),
            label="likely-sender",
        )
        if owner is not None and data.draw(st.integers(0, 4), label="by-admin") == 0:
            likely = self.chain.admin
        sender = self._pick(data, "sender", likely)
        self._both(
            SetCreditLine(
                sender=sender,
                core=data.draw(st.sampled_from([self.chain.core, self.chain.core2]), label="core"),
                line_fen=line,
                financier=owner,
            )
        )

    @rule(
        data=st.data(),
        role=st.sampled_from(["SUPPLIER_ROLE", "SUPPLIER_ROLE", "FINANCIER_ROLE"]),
        grant=st.booleans(),
    )
    def roles(self, data: st.DataObject, role: str, grant: bool) -> None:
        """The admin revokes (or restores) a supplier's or a bank's role mid-sequence."""
        pool = self.banks if role == "FINANCIER_ROLE" else [self.chain.s1, self.chain.s2]
        account = data.draw(st.sampled_from(pool), label="account")
        kind = GrantRole if grant else RevokeRole
        self._both(
            kind(sender=self._pick(data, "sender", self.chain.admin), role=role, account=account)
        )

    @rule(data=st.data(), amount=st.sampled_from([1, 10**6]))
    def steal(self, data: st.DataObject, amount: int) -> None:
        thief = self._pick(data, "thief")
        self._both(
            CashTransferFrom(sender=thief, owner=self.chain.bank, to=thief, amount_fen=amount)
        )

    @rule(data=st.data())
    def race(self, data: st.DataObject) -> None:
        token_id = self._token(data)
        sender = self._pick(data, "sender", self._holder(token_id))
        self._both(
            Finance(sender=sender, token_id=token_id, financier=self.chain.bank),
            Transfer(sender=sender, token_id=token_id, to=self.chain.s3),
        )

    @rule(data=st.data(), kind=st.sampled_from([Accept, Split, Transfer, Finance]))
    def revoked_acts(self, data: st.DataObject, kind: type[LedgerOp]) -> None:
        """In one block: the holder's supplier role is revoked, it tries to act, it is restored."""
        wanted = Status.ISSUED if kind is Accept else Status.ACCEPTED
        tokens = self.ref.ledger.state.tokens.values()  # type: ignore[attr-defined]
        fitting = sorted(t.id for t in tokens if t.status == wanted)
        token_id = data.draw(st.sampled_from(fitting), label="id") if fitting else self._token(data)
        holder, chain = self._holder(token_id), self.chain
        supplier = holder if holder in (chain.s1, chain.s2, chain.s3) else self._supplier(data)
        act: LedgerOp
        if kind is Accept:
            act = Accept(sender=supplier, token_id=token_id)
        elif kind is Split:
            act = Split(sender=supplier, token_id=token_id, to=chain.s3, amount_fen=1)
        elif kind is Transfer:
            act = Transfer(sender=supplier, token_id=token_id, to=chain.s3)
        else:
            act = Finance(sender=supplier, token_id=token_id, financier=self._bank(data))
        self._both(
            RevokeRole(sender=chain.admin, role="SUPPLIER_ROLE", account=supplier),
            act,
            GrantRole(sender=chain.admin, role="SUPPLIER_ROLE", account=supplier),
        )

    @rule()
    def resume(self) -> None:
        if self.ref.ledger.state.paused:  # type: ignore[attr-defined]
            self._both(Unpause(sender=self.chain.admin))

    @rule(hours=HOURS)
    def wait(self, hours: int) -> None:
        self._both(hours=hours)

    @invariant()
    def same_state(self) -> None:
        if not hasattr(self, "chain"):
            return
        for token_id in sorted(self.touched):
            assert self.chain.ledger.receivable(token_id) == self.ref.ledger.receivable(token_id)
        self.touched.clear()
        for actor in self.actors:
            assert self.chain.ledger.cash_balance(actor) == self.ref.ledger.cash_balance(actor)
        chain, ref, core = self.chain.ledger, self.ref.ledger, self.chain.core
        assert chain.financed_outstanding(core) == ref.financed_outstanding(core)
        assert chain.available_line(core) == ref.available_line(core)
        for bank in self.banks:
            assert chain.financed_outstanding(core, bank) == ref.financed_outstanding(core, bank)
            assert chain.available_line(core, bank) == ref.available_line(core, bank)


def _run(url: str, examples: int, steps: int, backend: str = "chain") -> None:
    LedgerMachine.url, LedgerMachine.backend = url, backend
    test = LedgerMachine.TestCase
    test.settings = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    test("runTest").runTest()


@pytest.mark.chain
def test_chain_matches_reference_model(anvil_url: str) -> None:
    _run(anvil_url, examples=10, steps=40)


def test_revm_matches_reference_model() -> None:
    _run("", examples=10, steps=40, backend="revm")


@pytest.mark.slow
@pytest.mark.chain
def test_chain_matches_reference_model_long(anvil_url: str) -> None:
    _run(anvil_url, examples=150, steps=60)


@pytest.mark.slow
def test_revm_matches_reference_model_long() -> None:
    _run("", examples=150, steps=60, backend="revm")
