"""The case-1 model: a core enterprise, its supplier tree, a bank and adversaries on a ledger port.

Daily at midnight the agents decide (deliveries, financing, repayments, lifecycle checks,
attacks) and their ops go into an outbox keyed by sim hour; the ledger tick submits each hour's
ops in the model's order and steps the ledger (one block per tick on chain), then routes every
result back to the agent that asked. The model never knows which ledger it drives.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from agents.supply_chain import behaviour
from agents.supply_chain.actors import DAY_S, Bank, CoreEnterprise, Holding, Supplier
from agents.supply_chain.population import DAYS_PER_MONTH, Delivery, Population, opening_cash_days
from agents.supply_chain.stats import CaseStats
from products.ledger import LedgerPort, Op, OpResult, invoice_hash
from products.ledger.port import MAX_UINT256
from sim.config.supply_chain import SupplyChainConfig
from sim.kernel.clock import TwinModel
from sim.kernel.errors import SimError
from sim.kernel.rng import SeedTree

FEN = 100
EventSink = Callable[[float, str, str | None, float | None, dict[str, Any]], None]


class SupplyChainModel(TwinModel):
    """One mode of case 1 on one ledger.

    Args:
        cfg: case configuration.
        population: suppliers and exogenous streams (shared by both modes).
        ledger: the ledger port (chain or paper).
        accounts: address factory ``(role, slot, generation) -> address``.
        start: calendar time of hour 0; horizon_hours: run length; seeds: case seed tree.
        mode: ``innovated`` or ``traditional`` (labels only; behaviour comes from the ledger).
        on_event: ``(t_hours, kind, agent, amount, detail)`` sink for the run's event log.
        core_line: whether financing draws on a credit line of the core (on chain) or, as in
            traditional factoring, each supplier is judged on its own (no aggregate core line).
    """

    def __init__(self, cfg: SupplyChainConfig, population: Population, ledger: LedgerPort,
                 accounts: Callable[[str, int, int], str], start: dt.datetime, horizon_hours: int,
                 seeds: SeedTree, mode: str, on_event: EventSink | None = None,
                 core_line: bool = True) -> None:  # fmt: skip
        super().__init__(start, horizon_hours, seeds.child("model"), label=f"supply_chain/{mode}")
        self.cfg, self.pop, self.ledger, self.mode = cfg, population, ledger, mode
        self.accounts, self.own_credit_pricing = accounts, not core_line
        self.stats = CaseStats(months=math.ceil(horizon_hours / 24 / DAYS_PER_MONTH) + 1)
        self.outbox: dict[int, list[Op]] = {}
        self.owner: dict[int, Supplier | Bank] = {}
        self.checks: dict[int, list[tuple[str, int]]] = {}
        self.core = CoreEnterprise(self, accounts("core", 0, 0))
        total_sales_cny = float(population.tier1_sales_cny.sum())
        line_fen = (
            round(total_sales_cny * cfg.bank.credit_line_months * FEN) if core_line else 10**18
        )
        self.bank = Bank(self, accounts("bank", 0, 0), line_fen)
        self.admin = ledger.admin
        self.tier1 = [self._new_supplier(1, i, 0) for i in range(population.tier1_count)]
        self.tier2 = [self._new_supplier(2, i, 0) for i in range(population.tier2_count)]
        self.by_address = {s.address: s for s in self.tier1 + self.tier2}
        self.down_until: dict[tuple[int, int], int] = {}
        self.generations: dict[tuple[int, int], int] = {}
        self.on_event = on_event
        self.deliveries_by_day: dict[int, list[Delivery]] = {}
        for delivery in population.deliveries:
            self.deliveries_by_day.setdefault(delivery.day, []).append(delivery)
        self.attacks_by_day: dict[int, list[Any]] = {}
        for attack in population.attacks:
            self.attacks_by_day.setdefault(attack.day, []).append(attack)
        self._setup()
        self.every(24, self.daily, priority=0)
        self.every(cfg.block_interval_hours, self.tick, priority=1)

    # ----------------------------------------------------------------- population

    def _new_supplier(self, tier: int, slot: int, generation: int) -> Supplier:
        pop, cfgp = self.pop, self.cfg.population
        sales = pop.tier1_sales_cny[slot] if tier == 1 else self._tier2_sales(slot)
        share = 1 - cfgp.input_share if tier == 1 else cfgp.input_share
        daily_cost = sales * share * cfgp.cost_ratio / DAYS_PER_MONTH
        rate = pop.tier1_own_rate_bps[slot] if tier == 1 else pop.tier2_own_rate_bps[slot]
        adversary = tier == 1 and slot in pop.adversaries
        address = self.accounts(f"tier{tier}", slot, generation)
        buffer = pop.tier1_buffer_factor[slot] if tier == 1 else pop.tier2_buffer_factor[slot]
        cash = daily_cost * opening_cash_days(self.cfg, float(buffer))
        hurdle = pop.tier1_hurdle_bps[slot] if tier == 1 else pop.tier2_hurdle_bps[slot]
        return Supplier(self, tier, slot, address, daily_cost, cash, int(rate), adversary,
                        int(hurdle))  # fmt: skip

    def _tier2_sales(self, slot: int) -> float:
        customers = self.pop.tier2_of_tier1 == slot
        return float(self.pop.tier1_sales_cny[customers].sum())

    def _setup(self) -> None:
        a, bank, core, cfg = self.admin, self.bank.address, self.core.address, self.cfg.bank
        ops = [Op("grant_role", a, ("CORE_ROLE", core)), Op("grant_role", a, ("FINANCIER_ROLE", bank)),
               Op("grant_role", a, ("AUDITOR_ROLE", self.accounts("auditor", 0, 0)))]  # fmt: skip
        ops += [Op("grant_role", a, ("SUPPLIER_ROLE", s.address)) for s in self.tier1 + self.tier2]
        cash_fen = round(sum(d.value_cny for d in self.pop.deliveries) * 2 * FEN) + 10**9
        ops += [Op("mint", a, (bank, cash_fen)), Op("mint", a, (core, cash_fen))]
        ops += [Op("approve_cash", who, (MAX_UINT256,)) for who in (bank, core)]
        ops += [Op("set_terms", bank, (cfg.core_rate_bps, cfg.fee_bps, cfg.advance_cap_bps)),
                Op("set_credit_line", bank, (core, self.bank.line_fen))]  # fmt: skip
        for op in ops:
            self.ledger.submit(op)
        failed = [r for r in self.ledger.step(self.timestamp(0.01)) if not r.ok]
        if failed:
            raise SimError(f"supply_chain ledger setup rejected: {failed[:3]}")

    # ----------------------------------------------------------------- clock

    def _slot(self, t_hours: float) -> int:
        """The first block tick strictly after ``t_hours`` (the ledger runs round the clock;
        business hours only bound when agents decide)."""
        b = self.cfg.block_interval_hours
        return (math.floor(t_hours / b) + 1) * b

    def send(self, op: Op, t_hours: float) -> None:
        """Queue ``op`` for the first block after ``t_hours``."""
        self.outbox.setdefault(self._slot(t_hours), []).append(op)

    def tick(self) -> None:
        """Submit this hour's ops in order, step the ledger, route the results."""
        for op in self.outbox.pop(int(self.now_hours), []):
            self.ledger.submit(op)
        if self.ledger.pending:
            for result in self.ledger.step(self.timestamp()):
                self.stats.count_tx(result)
                if not result.ok:
                    self.event("tx_reverted", result.op.sender, None, op=result.op.kind,
                               error=result.error, tx=result.tx_hash)  # fmt: skip
                handler = getattr(self, f"_on_{result.op.tag[0]}")
                handler(result, *result.op.tag[1:])

    def event(self, kind: str, agent: str | None, amount: float | None, **detail: Any) -> None:
        """Pass one event to the run's log (if any)."""
        if self.on_event is not None:
            self.on_event(self.now_hours, kind, agent, amount, detail)

    def stats_event(self, kind: str, supplier: Supplier) -> None:
        """An event about ``supplier``."""
        self.event(
            kind, supplier.address, supplier.cash_cny, tier=supplier.tier, slot=supplier.slot
        )

    def month(self) -> int:
        """Calendar month index of now."""
        return (self.now.year - self.start.year) * 12 + self.now.month - self.start.month

    # ----------------------------------------------------------------- daily decisions

    def daily(self) -> None:
        """Agents' decisions of the day, in a fixed order."""
        day = self.day
        behaviour.refill_slots(self, day)
        behaviour.pay_costs(self, day)
        behaviour.deliver(self, self.deliveries_by_day.get(day, []))
        behaviour.repay(self, day)
        behaviour.lifecycle_checks(self, day)
        behaviour.apply_for_financing(self, day)
        behaviour.attack(self, self.attacks_by_day.get(day, []))
        if self.now.day == 1:
            behaviour.monthly_review(self)

    def issue_op(self, supplier: Supplier, delivery: Delivery) -> Op:
        """The core's issue op for ``delivery`` to ``supplier``."""
        face = round(delivery.value_cny * FEN)
        due = self.timestamp(delivery.day * 24.0) + delivery.term_days * DAY_S
        inv = invoice_hash("supply_chain", self.mode, delivery.index)
        return Op(
            "issue",
            self.core.address,
            (supplier.address, face, due, inv),
            tag=("issued", supplier, delivery),
        )

    # ----------------------------------------------------------------- results

    def _on_issued(self, r: OpResult, supplier: Supplier, delivery: Delivery) -> None:
        if not r.ok or r.token_id is None:
            return
        face, due = r.op.args[1], r.op.args[2]
        self.stats.issued_face_fen += face
        pay_day = None
        if delivery.pay_delay_days is not None:
            pay_day = delivery.day + delivery.term_days + math.ceil(delivery.pay_delay_days)
        self.core.record_issue(r.token_id, face, delivery.index, pay_day)
        supplier.holdings[r.token_id] = Holding(r.token_id, face, due)
        self.owner[r.token_id] = supplier
        self._schedule_checks(r.token_id, due)
        accept = Op("accept", supplier.address, (r.token_id,), tag=("accepted", supplier))
        self.send(accept, self.now_hours)
        self._pass_on_to_tier2(supplier, r.token_id, face, delivery)

    def _pass_on_to_tier2(
        self, supplier: Supplier, token_id: int, face: int, delivery: Delivery
    ) -> None:
        """Pay the tier-2 for its inputs by splitting the receivable in the same block as the
        acceptance (valid: the split executes right after the accept in block order)."""
        if not self.tier2:
            return
        tier2 = self.tier2[int(self.pop.tier2_of_tier1[supplier.slot])]
        amount = int(face * self.cfg.population.input_share)
        if amount > 0 and not tier2.failed:
            tag = ("split", supplier, tier2, delivery)
            self.send(
                Op("split", supplier.address, (token_id, tier2.address, amount), tag=tag),
                self.now_hours,
            )

    def _schedule_checks(self, token_id: int, due_s: int) -> None:
        due_day = (due_s - self.timestamp(0)) // DAY_S
        bank = self.cfg.bank
        for kind, days in (
            ("overdue", bank.grace_days),
            ("default", bank.default_days),
            ("write_off", bank.write_off_days),
        ):
            self.checks.setdefault(due_day + days + 1, []).append((kind, token_id))

    def _on_accepted(self, r: OpResult, supplier: Supplier) -> None:
        holding = supplier.holdings.get(r.op.args[0])
        if r.ok and holding is not None and holding.state == "issued":
            holding.state = "accepted"

    def _on_split(
        self, r: OpResult, parent_holder: Supplier, tier2: Supplier, delivery: Delivery
    ) -> None:
        if not r.ok or r.token_id is None:
            return
        parent_id, _, amount = r.op.args
        parent_holder.holdings[parent_id].face_fen -= amount
        self.core.record_split(parent_id, r.token_id, amount, delivery.index)
        due = parent_holder.holdings[parent_id].due_s
        tier2.holdings[r.token_id] = Holding(r.token_id, amount, due)
        self.owner[r.token_id] = tier2
        self._schedule_checks(r.token_id, due)
        self.send(
            Op("accept", tier2.address, (r.token_id,), tag=("accepted", tier2)),
            self.now_hours,
        )

    def _on_financed(
        self, r: OpResult, supplier: Supplier, token_id: int, applied_hours: float
    ) -> None:
        holding = supplier.holdings[token_id]
        if not r.ok:
            holding.state = "accepted" if holding.state == "applying" else holding.state
            self.stats.rejected(r.error or "unknown", supplier.tier)
            if r.error == "ReviewRejected":
                supplier.rejected_until_day = self.day + self.cfg.bank.reapply_days
            return
        holding.state = "financed"
        supplier.receive(r.payout or 0)
        supplier.reached = True
        self.owner[token_id] = self.bank
        self.bank.book.financed[token_id] = (holding.face_fen, r.payout or 0, holding.due_s)
        self.stats.financed(self, supplier, holding, r, applied_hours)
        self.event("financed", supplier.address, (r.payout or 0) / FEN, token=token_id, tier=supplier.tier,
                   cycle_hours=self.now_hours - applied_hours, tx=r.tx_hash, motive=holding.motive)  # fmt: skip

    def _on_repaid(self, r: OpResult, token_id: int) -> None:
        if not r.ok:
            return
        amount = r.op.args[1]
        self.core.book[token_id].repaid_fen += amount
        holder = self.owner.get(token_id)
        if isinstance(holder, Supplier):
            holder.receive(amount)
            if token_id in holder.holdings:
                holder.holdings[token_id].state = "closed"
        elif isinstance(holder, Bank):
            holder.book.collected[token_id] = holder.book.collected.get(token_id, 0) + amount

    def _on_lifecycle(self, r: OpResult, kind: str, token_id: int) -> None:
        if not r.ok or token_id not in self.bank.book.financed:
            return
        if kind == "overdue":
            self.bank.book.overdue.add(token_id)
        if kind == "write_off":
            face, _, _ = self.bank.book.financed[token_id]
            self.bank.book.written_off.add(token_id)
            self.bank.book.written_off_fen += face - self.bank.book.collected.get(token_id, 0)

    def _on_admin(self, r: OpResult, what: str) -> None:
        self.stats.admin(what, r.ok)

    def _on_attack(self, r: OpResult, kind: str, attacker: Supplier, step: str) -> None:
        self.event("attack", attacker.address, r.fraud_loss / FEN, attack=kind, step=step, ok=r.ok,
                   error=r.error, tx=r.tx_hash)  # fmt: skip
        behaviour.attack_outcome(self, r, kind, attacker, step)
