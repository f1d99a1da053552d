"""Daily decisions of the case-1 agents, as functions over the model (one concern each)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.supply_chain.actors import DAY_S, Holding, Offer, Supplier
from agents.supply_chain.population import Attack, Delivery
from products.ledger import Op, OpResult, invoice_hash

if TYPE_CHECKING:
    from agents.supply_chain.economy import SupplyChainModel

FEN = 100


def _open_hour(m: SupplyChainModel, day: int) -> float:
    return day * 24 + m.cfg.business_hours[0]


def refill_slots(m: SupplyChainModel, day: int) -> None:
    """Failed suppliers' slots get a new supplier once the replacement time has passed."""
    for (tier, slot), until in sorted(m.down_until.items()):
        if day < until:
            continue
        del m.down_until[(tier, slot)]
        generation = m.generations.get((tier, slot), 0) + 1
        m.generations[(tier, slot)] = generation
        fresh = m._new_supplier(tier, slot, generation)
        (m.tier1 if tier == 1 else m.tier2)[slot] = fresh
        m.by_address[fresh.address] = fresh
        op = Op("grant_role", m.admin, ("SUPPLIER_ROLE", fresh.address), tag=("admin", "onboard"))
        m.send(op, _open_hour(m, day) - 1)


def pay_costs(m: SupplyChainModel, day: int) -> None:
    """Every live supplier pays a day of costs; a persistent cash gap makes it fail.

    A failed supplier is out for good (it never pays costs or fails again); its slot stays
    empty for ``replacement_days`` and is then refilled by an entrant, a new firm with its own
    address and opening cash. Each live supplier-day counts towards the failure-rate exposure.
    """
    replacement = m.cfg.population.replacement_days
    for supplier in m.tier1 + m.tier2:
        if supplier.failed or (supplier.tier, supplier.slot) in m.down_until:
            continue
        m.stats.supplier_days += 1
        if supplier.pay_costs(m.cfg.population.failure_gap_days):
            m.down_until[(supplier.tier, supplier.slot)] = day + replacement
            m.stats.failure(m, supplier, replacement)


def deliver(m: SupplyChainModel, deliveries: list[Delivery]) -> None:
    """Tier-1 deliveries become receivables in the core's daily confirmation run; a failed tier-1
    or its failed tier-2 means no delivery."""
    for delivery in deliveries:
        tier1 = m.tier1[delivery.slot]
        tier2 = m.tier2[int(m.pop.tier2_of_tier1[delivery.slot])] if m.tier2 else None
        if tier1.failed or (tier2 is not None and tier2.failed):
            m.stats.lost_deliveries += 1
            continue
        m.send(m.issue_op(tier1, delivery), delivery.day * 24 + m.cfg.core.issue_hour - 1)


def repay(m: SupplyChainModel, day: int) -> None:
    """The core's payment run: every receivable under each invoice it pays today."""
    for token_id, amount in m.core.payments_due(day):
        op = Op("repay", m.core.address, (token_id, amount), tag=("repaid", token_id))
        m.send(op, day * 24 + m.cfg.core.payment_hour - 1)


def lifecycle_checks(m: SupplyChainModel, day: int) -> None:
    """Holders flag unpaid receivables overdue, then defaulted; the bank writes off."""
    kinds = {"overdue": "mark_overdue", "default": "mark_defaulted", "write_off": "write_off"}
    for kind, token_id in m.checks.pop(day, []):
        entry = m.core.book.get(token_id)
        holder = m.owner.get(token_id)
        if entry is None or holder is None or entry.repaid_fen >= entry.face_fen:
            continue
        if isinstance(holder, Supplier) and holder.failed:
            continue
        op = Op(kinds[kind], holder.address, (token_id,), tag=("lifecycle", kind, token_id))  # type: ignore[arg-type]
        m.send(op, day * 24 + m.cfg.business_hours[1] - 2)


def financing_offer(m: SupplyChainModel, supplier: Supplier) -> Offer:
    """What discounting costs ``supplier`` here: core-credit pricing and a signed request on
    the platform, or its own-credit rate, the documents and the manual review wait on paper."""
    bank, fin = m.cfg.bank, m.cfg.financing
    if m.own_credit_pricing:
        rate_bps, hassle_cny, wait_days = (supplier.own_rate_bps, fin.hassle_paper_cny,
                                           bank.review_mean_days)  # fmt: skip
    else:
        rate_bps, hassle_cny, wait_days = bank.core_rate_bps, fin.hassle_chain_cny, 0.0
    min_face_fen = round(bank.min_amount_cny * FEN)
    return Offer(rate_bps, bank.fee_bps, hassle_cny, wait_days, min_face_fen, bank.max_tenor_days)


def apply_for_financing(m: SupplyChainModel, day: int) -> None:
    """Suppliers apply to discount receivables, in a random (seeded) order: to cover a
    projected cash gap, or (cost motive) when discounting is cheaper than their hurdle rate.

    The core's remaining credit line is public on the ledger: it is read once a day and
    suppliers do not apply for more than is left (the first in line gets it).
    """
    open_h, close_h = m.cfg.business_hours
    suppliers = [s for s in m.tier1 + m.tier2 if not s.failed]
    now_s = m.timestamp()
    available_fen = m.ledger.available_line(m.core.address)
    for index in m.rng.permutation(len(suppliers)):
        supplier = suppliers[int(index)]
        offer = financing_offer(m, supplier) if m.cfg.financing.cost_motive else None
        for holding in supplier.to_finance(now_s, m.cfg.population.lookahead_days, day, offer):
            if holding.face_fen > available_fen:
                break
            available_fen -= holding.face_fen
            holding.state = "applying"
            applied = day * 24 + open_h + float(m.rng.random()) * (close_h - open_h)
            op = Op("finance", supplier.address, (holding.token_id, m.bank.address),
                    tag=("financed", supplier, holding.token_id, applied))  # fmt: skip
            m.send(op, applied)
            m.stats.applications[supplier.tier] += 1


def _target(attacker: Supplier, state: str) -> Holding | None:
    held = sorted(
        (h for h in attacker.holdings.values() if h.state == state), key=lambda h: h.token_id
    )
    return held[-1] if held else None


def attack(m: SupplyChainModel, attacks: list[Attack]) -> None:
    """Adversaries' scheduled attempts; each becomes the same ops on either ledger."""
    for plan in attacks:
        attacker = m.tier1[plan.slot]
        if attacker.failed:
            continue
        ops = _attack_ops(m, plan, attacker)
        if not ops:
            m.stats.attack_skipped[plan.kind] += 1
            continue
        m.stats.attempts[plan.kind] += 1
        for op in ops:
            m.send(op, plan.day * 24 + plan.hour)


def _attack_ops(m: SupplyChainModel, plan: Attack, attacker: Supplier) -> list[Op]:
    tag = ("attack", plan.kind, attacker, "attempt")
    bank, me = m.bank.address, attacker.address
    size_fen = round(float(m.pop.tier1_sales_cny[plan.slot]) * FEN)
    if plan.kind in ("double_financing", "transfer_of_financed"):
        target = _target(attacker, "financed")
        if target is None:
            return []
        if plan.kind == "double_financing":
            return [Op("finance", me, (target.token_id, bank), tag=tag)]
        victim = m.tier1[(plan.slot + 1) % len(m.tier1)].address
        return [Op("transfer", me, (target.token_id, victim), tag=tag)]
    if plan.kind == "forged_receivable":
        due = m.timestamp() + 90 * DAY_S
        inv = invoice_hash("forged", plan.day, plan.slot, plan.hour)
        return [Op("issue", me, (me, size_fen, due, inv), tag=tag)]
    if plan.kind == "unauthorised_disbursement":
        return [Op("cash_transfer_from", me, (bank, me, size_fen), tag=tag)]
    target = _target(attacker, "accepted")
    if target is None:
        return []
    target.state = "applying"
    return [Op("pause", m.admin, tag=("admin", "pause")), Op("finance", me, (target.token_id, bank), tag=tag),
            Op("unpause", m.admin, tag=("admin", "unpause"))]  # fmt: skip


def attack_outcome(
    m: SupplyChainModel, r: OpResult, kind: str, attacker: Supplier, step: str
) -> None:
    """Count a blocked or successful attack and apply what a success does to the books."""
    if step == "cashout":
        if r.ok:
            attacker.receive(r.payout or 0)
            m.stats.fraud_loss_fen[kind] += r.fraud_loss
        return
    if not r.ok:
        m.stats.blocked[kind] += 1
        if kind == "paused_action":
            holding = attacker.holdings.get(r.op.args[0])
            if holding is not None and holding.state == "applying":
                holding.state = "accepted"
        return
    m.stats.succeeded[kind] += 1
    m.stats.fraud_loss_fen[kind] += r.fraud_loss
    if kind == "forged_receivable" and r.token_id is not None:
        op = Op(
            "finance",
            attacker.address,
            (r.token_id, m.bank.address),
            tag=("attack", kind, attacker, "cashout"),
        )
        m.send(op, m.now_hours + 24)
    elif kind == "transfer_of_financed":
        victim = m.by_address.get(r.op.args[1])
        if victim is not None:
            m.owner[r.op.args[0]] = victim
    elif r.op.kind in ("finance", "cash_transfer_from"):
        attacker.receive(r.payout or r.fraud_loss)
        holding = attacker.holdings.get(r.op.args[0]) if kind == "paused_action" else None
        if holding is not None:
            holding.state = "financed"
            m.owner[holding.token_id] = m.bank
            m.bank.book.financed[holding.token_id] = (
                holding.face_fen,
                r.payout or 0,
                holding.due_s,
            )


def monthly_review(m: SupplyChainModel) -> None:
    """The bank reads on-ledger exposure and cuts the core's line if overdue exposure is high."""
    outstanding = m.ledger.financed_outstanding(m.core.address)
    m.stats.exposure_fen[m.month()] = outstanding
    bank = m.cfg.bank
    new_line = m.bank.review_line(outstanding, bank.line_cut_overdue_share, bank.line_cut_factor)
    if new_line is not None:
        op = Op(
            "set_credit_line", m.bank.address, (m.core.address, new_line), tag=("admin", "line_cut")
        )
        m.send(op, _open_hour(m, m.day) - 1)
