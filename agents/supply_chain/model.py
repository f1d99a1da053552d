"""The case-1 model: a core enterprise, its supplier tree, a bank and adversaries on a ledger port.

Daily at midnight the agents decide (entrants, costs, deliveries, repayments, lifecycle flags,
financing, attacks, the bank's review) and their operations go into an outbox keyed by sim hour;
the ledger tick submits each hour's operations in the model's order, steps the ledger (one block
per tick on chain) and hands every result, matched by its correlation id, to the callback its
sender named. The model never knows which ledger it drives.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from functools import partial
from typing import Any

from mesa.agent import AgentSet

from agents.supply_chain.adversary import Adversary
from agents.supply_chain.bank import Bank, CreditDesk
from agents.supply_chain.core import CoreEnterprise
from agents.supply_chain.events import RunEnded, SupplierFailed, SupplierSwitched, TxReverted
from agents.supply_chain.population import Attack, Delivery, Population, opening_cash_days
from agents.supply_chain.schema import SupplyChainConfig
from agents.supply_chain.supplier import Supplier
from agents.supply_chain.world import Holder, OnResult
from products.ledger import (
    ApproveCash,
    GrantRole,
    LedgerOp,
    LedgerPort,
    MarkDefaulted,
    MarkOverdue,
    Mint,
    OpResult,
    SetCreditLine,
    SetTerms,
    WriteOff,
)
from products.ledger.port import MAX_UINT256
from sim.kernel.calendar import DAY_S, DAYS_PER_MONTH, FEN
from sim.kernel.clock import TwinModel
from sim.kernel.errors import SimError
from sim.kernel.events import EventBus
from sim.kernel.rng import SeedTree

FLAGS: dict[str, type[MarkOverdue | MarkDefaulted | WriteOff]] = {
    "overdue": MarkOverdue,
    "default": MarkDefaulted,
    "write_off": WriteOff,
}


def _in_slot_order(supplier: Any) -> tuple[int, int]:
    return supplier.tier, supplier.slot


class SupplyChainModel(TwinModel):
    """One mode of case 1 on one ledger.

    Args:
        cfg: case configuration.
        population: suppliers and exogenous streams (shared by both modes).
        ledger: the ledger port (chain, fake or paper).
        accounts: address factory ``(role, slot, generation) -> address``.
        start: calendar time of hour 0; horizon_hours: run length; seeds: case seed tree.
        mode: ``innovated`` or ``traditional`` (labels only; behaviour comes from the ledger).
        desk: the paper ledger's credit desk, staffed with this model's officers (paper only).
        core_line: whether financing draws on a credit line of the core (on chain) or, as in
            traditional factoring, each supplier is judged on its own (no aggregate core line).
        bus: where the model's events go (subscribe the recorder and the collectors first).
    """

    def __init__(
        self,
        cfg: SupplyChainConfig,
        population: Population,
        ledger: LedgerPort,
        accounts: Callable[[str, int, int], str],
        start: dt.datetime,
        horizon_hours: int,
        seeds: SeedTree,
        mode: str,
        desk: CreditDesk | None = None,
        core_line: bool = True,
        bus: EventBus | None = None,
    ) -> None:
        label = f"supply_chain/{mode}"
        super().__init__(start, horizon_hours, seeds.child("model"), label=label, bus=bus)
        self.cfg, self.pop, self.ledger, self.mode = cfg, population, ledger, mode
        self.accounts = accounts
        self.outbox: dict[int, list[tuple[LedgerOp, OnResult | None]]] = {}
        self.waiting: dict[int, OnResult] = {}
        self.owner: dict[int, Holder] = {}
        self.checks: dict[int, list[tuple[str, int]]] = {}
        self.tx_count = self.tx_reverted = self.gas_used = 0
        self.gas_by_kind: dict[str, list[int]] = {}
        self.core = CoreEnterprise(self, accounts("core", 0, 0))
        total_sales_cny = float(population.tier1_sales_cny.sum())
        line_fen = (
            round(total_sales_cny * cfg.bank.credit_line_months * FEN) if core_line else 10**18
        )
        self.bank = Bank(
            self, accounts("bank", 0, 0), line_fen, cfg.bank, cfg.financing, not core_line
        )
        self.admin = ledger.admin
        self.tier1 = [self._new_supplier(1, i, 0) for i in range(population.tier1_count)]
        self.tier2 = [self._new_supplier(2, i, 0) for i in range(population.tier2_count)]
        self.suppliers = AgentSet(self.tier1 + self.tier2, random=self.random)
        self.by_address = {s.address: s for s in self.tier1 + self.tier2}
        self.officers = desk.staff(self, self.by_address) if desk else AgentSet([], self.random)
        self.down_until: dict[tuple[int, int], int] = {}
        self.generations: dict[tuple[int, int], int] = {}
        self.deliveries_by_day: dict[int, list[Delivery]] = {}
        for delivery in population.deliveries:
            self.deliveries_by_day.setdefault(delivery.day, []).append(delivery)
        self.attacks_by_day: dict[int, list[Attack]] = {}
        for attack in population.attacks:
            self.attacks_by_day.setdefault(attack.day, []).append(attack)
        self._open_ledger()
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
        kind = Adversary if adversary else Supplier
        return kind(self, tier, slot, address, daily_cost, cash, int(rate), adversary, int(hurdle))

    def _tier2_sales(self, slot: int) -> float:
        customers = self.pop.tier2_of_tier1 == slot
        return float(self.pop.tier1_sales_cny[customers].sum())

    def tier2_of(self, tier1_slot: int) -> Supplier | None:
        """The firm now in the tier-2 slot that serves tier-1 slot ``tier1_slot`` (if any)."""
        return self.tier2[int(self.pop.tier2_of_tier1[tier1_slot])] if self.tier2 else None

    def _open_ledger(self) -> None:
        a, bank, core = self.admin, self.bank.address, self.core.address
        auditor = self.accounts("auditor", 0, 0)
        ops: list[LedgerOp] = [
            GrantRole(sender=a, role="CORE_ROLE", account=core),
            GrantRole(sender=a, role="FINANCIER_ROLE", account=bank),
            GrantRole(sender=a, role="AUDITOR_ROLE", account=auditor),
        ]
        ops += [
            GrantRole(sender=a, role="SUPPLIER_ROLE", account=s.address)
            for s in self.tier1 + self.tier2
        ]
        # enough settlement cash that the bank and the core never run dry (not a behaviour)
        cash_fen = round(sum(d.value_cny for d in self.pop.deliveries) * 2 * FEN) + 10**9
        ops += [Mint(sender=a, to=who, amount_fen=cash_fen) for who in (bank, core)]
        ops += [ApproveCash(sender=who, amount_fen=MAX_UINT256) for who in (bank, core)]
        self.bank.reprice(0)
        ops += [
            SetTerms(sender=bank, terms=self.bank.terms()),
            SetCreditLine(sender=bank, core=core, line_fen=self.bank.line_fen),
        ]
        for op in ops:
            self.ledger.submit(op)
        failed = [r for r in self.ledger.step(self.timestamp(0.01)) if not r.ok]
        if failed:
            raise SimError(f"supply_chain ledger setup rejected: {failed[:3]}")

    # ----------------------------------------------------------------- clock and ledger

    def open_hour(self, day: int) -> float:
        """The hour business opens on ``day``."""
        return day * 24 + self.cfg.business_hours[0]

    def _slot(self, t_hours: float) -> int:
        """The first block tick strictly after ``t_hours`` (the ledger runs round the clock;
        business hours only bound when agents decide)."""
        b = self.cfg.block_interval_hours
        return (math.floor(t_hours / b) + 1) * b

    def send(self, op: LedgerOp, t_hours: float, on_result: OnResult | None = None) -> None:
        """Queue ``op`` for the first block after ``t_hours``; ``on_result(result)`` later."""
        self.outbox.setdefault(self._slot(t_hours), []).append((op, on_result))

    def tick(self) -> None:
        """Submit this hour's ops in order, step the ledger, hand back the results."""
        for op, on_result in self.outbox.pop(int(self.now_hours), []):
            op_id = self.ledger.submit(op)
            if on_result is not None:
                self.waiting[op_id] = on_result
        if self.ledger.pending:
            for result in self.ledger.step(self.timestamp()):
                self._meter(result)
                on_result = self.waiting.pop(result.op_id, None)
                if on_result is not None:
                    on_result(result)

    def _meter(self, r: OpResult) -> None:
        """Count every ledger result (gas, reverts); a revert is also an event."""
        self.tx_count += 1
        self.gas_used += r.gas_used
        self.tx_reverted += not r.ok
        if r.ok and r.gas_used:
            self.gas_by_kind.setdefault(r.op.kind, []).append(r.gas_used)
        if not r.ok:
            self.emit(
                TxReverted(
                    t_hours=self.now_hours,
                    agent=r.op.sender,
                    op=r.op.kind,
                    error=r.error,
                    tx=r.tx_hash,
                )
            )

    def hold(self, token_id: int, holder: Holder, due_s: int) -> None:
        """``holder`` holds ``token_id``; schedule the overdue / default / write-off checks."""
        self.owner[token_id] = holder
        due_day = (due_s - self.timestamp(0)) // DAY_S
        bank = self.cfg.bank
        for kind, days in (
            ("overdue", bank.grace_days),
            ("default", bank.default_days),
            ("write_off", bank.write_off_days),
        ):
            self.checks.setdefault(due_day + days + 1, []).append((kind, token_id))

    # ----------------------------------------------------------------- the day

    def daily(self) -> None:
        """Agents' decisions of the day, in a fixed order."""
        day = self.day
        self.core.review_credit(day)
        if day == 0 and not self.bank.own_credit_pricing:
            self.bank.publish_terms()
        self._refill_slots(day)
        self._contract_round(day)
        self._pay_costs(day)
        self.core.confirm_deliveries(self.deliveries_by_day.get(day, []))
        self.core.pay_run(day)
        self._flag_unpaid(day)
        self._financing_round(day)
        for plan in self.attacks_by_day.get(day, []):
            attacker = self.tier1[plan.slot]
            if isinstance(attacker, Adversary):
                attacker.attack(plan)
        if self.now.day == 1:
            self.bank.monthly_review()

    def _contract_round(self, day: int) -> None:
        """At each contract period's start the core offers every live tier-1 its term (an
        entrant gets its offer when it enters); a supplier that refuses walks away."""
        terms = self.cfg.core.terms
        if not terms.enabled or self.core.defaulted(day):
            return
        period = self.core.contract_period_days(terms.contract_months)
        for supplier in sorted(self.tier1, key=_in_slot_order):
            fresh = supplier.slot not in self.core.terms
            if supplier.failed or not (day % period == 0 or fresh):
                continue
            if not self.core.offer_terms(supplier, day):
                self._leave(supplier, day)

    def _leave(self, supplier: Supplier, day: int) -> None:
        """``supplier`` walked away to other buyers: it leaves the model (not a failure)."""
        self.down_until[(supplier.tier, supplier.slot)] = day + self.cfg.population.replacement_days
        left = SupplierSwitched(
            t_hours=self.now_hours,
            agent=supplier.address,
            slot=supplier.slot,
            term_days=self.core.ceiling.get(supplier.slot, 0) + 1,
        )
        self.emit(left)
        supplier.failed = True
        self.suppliers.discard(supplier)
        supplier.remove()

    def _refill_slots(self, day: int) -> None:
        """Failed suppliers' slots get an entrant once the replacement time has passed."""
        entered = False
        for (tier, slot), until in sorted(self.down_until.items()):
            if day < until:
                continue
            del self.down_until[(tier, slot)]
            generation = self.generations.get((tier, slot), 0) + 1
            self.generations[(tier, slot)] = generation
            fresh = self._new_supplier(tier, slot, generation)
            (self.tier1 if tier == 1 else self.tier2)[slot] = fresh
            self.by_address[fresh.address] = fresh
            self.suppliers.add(fresh)
            entered = True
            grant = GrantRole(sender=self.admin, role="SUPPLIER_ROLE", account=fresh.address)
            self.send(grant, self.open_hour(day) - self.cfg.bank.admin_lead_hours)
        if entered:  # decisions run in slot order, as the tiers are laid out
            self.suppliers.sort(_in_slot_order, ascending=True, inplace=True)

    def _pay_costs(self, day: int) -> None:
        """Every live supplier pays a day of costs; a persistent cash gap makes it fail.

        A failed supplier exits the model for good; its slot stays empty for
        ``replacement_days`` and is then refilled by an entrant, a new firm with its own
        address and opening cash.
        """
        replacement = self.cfg.population.replacement_days
        gap_days = self.cfg.population.failure_gap_days
        demand_of = dict(zip((1, 2), self.pop.demand_by_slot(day), strict=True))
        for supplier in list(self.suppliers):
            if not supplier.pay_costs(gap_days, demand_of[supplier.tier][supplier.slot]):
                continue
            self.down_until[(supplier.tier, supplier.slot)] = day + replacement
            failed = SupplierFailed(
                t_hours=self.now_hours,
                agent=supplier.address,
                amount=supplier.cash_cny,
                tier=supplier.tier,
                slot=supplier.slot,
                replacement_days=replacement,
                live_days=supplier.live_days,
            )
            self.emit(failed)
            self.suppliers.discard(supplier)
            supplier.remove()

    def _flag_unpaid(self, day: int) -> None:
        """Holders flag unpaid receivables overdue, then defaulted; the bank writes off."""
        at = day * 24 + self.cfg.business_hours[1] - self.cfg.bank.flag_lead_hours
        for kind, token_id in self.checks.pop(day, []):
            entry = self.core.book.get(token_id)
            holder = self.owner.get(token_id)
            if entry is None or holder is None or entry.repaid_fen >= entry.face_fen:
                continue
            if isinstance(holder, Supplier) and holder.failed:
                continue
            flag = FLAGS[kind](sender=holder.address, token_id=token_id)
            self.send(flag, at, partial(self.bank.flagged, kind, token_id))

    def _financing_round(self, day: int) -> None:
        """Suppliers apply to discount receivables in a random (seeded) order. The core's
        remaining credit line is public on the ledger: read once a day, first come first served."""
        suppliers = list(self.suppliers)
        available_fen = self.ledger.available_line(self.core.address)
        fin, now_s = self.cfg.financing, self.timestamp()
        for index in self.rng.permutation(len(suppliers)).tolist():
            supplier = suppliers[index]
            offer = self.bank.offer(supplier) if fin.cost_motive or fin.price_gap else None
            cost_offer = offer if fin.cost_motive else None
            gap_offer = offer if fin.price_gap else None
            available_fen = supplier.apply_for_financing(
                day, cost_offer, available_fen, gap_offer, now_s
            )

    def run(self, progress: bool = True) -> None:
        """Run to the horizon, then report the books and the ledger meter (:class:`RunEnded`)."""
        super().run(progress)
        self.bank.close_books()
        self.emit(
            RunEnded(
                t_hours=self.now_hours,
                tx_count=self.tx_count,
                tx_reverted=self.tx_reverted,
                gas_used=self.gas_used,
                gas_by_kind={kind: tuple(gas) for kind, gas in self.gas_by_kind.items()},
                issued_face_fen=self.core.issued_face_fen,
                written_off_fen=self.bank.book.written_off_fen,
                live_supplier_days=sum(s.live_days for s in self.suppliers),
            )
        )
