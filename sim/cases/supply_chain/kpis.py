"""KPI collectors of case 1: subscribe to a mode's event bus, produce totals and monthly series.

Everything here comes from the events of ``agents.supply_chain.events``; nothing reads the model.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.supply_chain.events import (
    AttackOutcome,
    AttackPlanned,
    CoreDefaulted,
    CoreRated,
    DeliveryLost,
    ExposureReviewed,
    Financed,
    FinancingApplied,
    PositionClosed,
    ProgrammePriced,
    ReceivableIssued,
    RunEnded,
    SupplierFailed,
    SupplierSwitched,
    TermsOffered,
)
from agents.supply_chain.population import ATTACK_KINDS
from sim.cases.kpi_glossary import Kpi
from sim.kernel.calendar import FEN, HOURS_PER_DAY, Calendar
from sim.kernel.events import EventBus
from sim.recorder import Recorder

CASE = "supply_chain"

#: One definition per KPI of case 1 (run totals unless "monthly"; the same name means the same
#: thing in both modes).
GLOSSARY: dict[str, Kpi] = {
    "financing_cycle_hours_p50": Kpi(
        (
            "Median hours from a supplier's financing application to the cash (monthly: of the "
            "month's financings)."
        ),
        "hours",
        "lower",
        "financing cycle, median",
    ),
    "financing_cycle_hours_p90": Kpi(
        "90th percentile of the same application-to-cash hours.",
        "hours",
        "lower",
        "financing cycle, 90th percentile",
    ),
    "financing_cycle_hours_mean": Kpi(
        "Mean of the same application-to-cash hours.", "hours", "lower", "financing cycle, mean"
    ),
    "financing_cost_annual_pct": Kpi(
        (
            "Payout-weighted annualised cost of the financings, in %: (face - payout) / payout x "
            "365 / days from financing to due; the bank's discount and fee (face - payout), "
            "without "
            "the supplier's hassle."
        ),
        "%",
        "lower",
        "supplier financing cost (annual, incl. fees)",
    ),
    "financing_cost_all_in_pct": Kpi(
        (
            "The same with the supplier's per-application hassle cost (financing.hassle_*_cny) "
            "added to face - payout."
        ),
        "%",
        "lower",
        "supplier financing cost (all-in, with hassle)",
    ),
    "financing_day_after_receipt_mean": Kpi(
        (
            "Payout-weighted mean days from the supplier getting a receivable (issue or split) to "
            "financing it."
        ),
        "days",
        "lower",
        "days from receipt to financing",
    ),
    "financed_volume_cny": Kpi(
        "Payouts of all financings, CNY (monthly: of the month).",
        "CNY",
        "higher",
        "financed volume",
    ),
    "financed_share_of_receivables": Kpi(
        ("Face of the financed receivables / face of every receivable the core issued."),
        "share",
        "higher",
        "financed share of receivables",
    ),
    "financings": Kpi("Financings paid out.", "count", "higher", "financings"),
    "applications": Kpi(
        "Financing applications sent (each receivable put up, every attempt).",
        "count",
        "neutral",
        "financing applications",
    ),
    "approval_rate": Kpi("financings / applications.", "share", "higher", "approval rate"),
    "tier2_reach_share": Kpi(
        "Tier-2 slots with at least one financing / tier-2 slots.",
        "share",
        "higher",
        "tier-2 suppliers reached",
    ),
    "supplier_failures": Kpi(
        (
            "Suppliers that failed (population.failure_gap_days days of negative cash in a row; "
            "monthly: failures in the month)."
        ),
        "count",
        "lower",
        "supplier failures",
    ),
    "supplier_years": Kpi(
        "Live supplier-years (exposure of the failure rate; empty slots excluded).",
        "years",
        "neutral",
        "supplier-years",
    ),
    "supplier_failure_rate_annual": Kpi(
        "supplier_failures / supplier_years.", "per year", "lower", "supplier failure rate"
    ),
    "supplier_failures_tier1": Kpi(
        "Failures of tier-1 suppliers.", "count", "lower", "tier-1 supplier failures"
    ),
    "supplier_failures_tier2": Kpi(
        "Failures of tier-2 suppliers.", "count", "lower", "tier-2 supplier failures"
    ),
    "suppliers_switched": Kpi(
        (
            "Tier-1 suppliers that refused the core's payment term and left for other buyers (not "
            "failures; their slot is refilled like a failed one's)."
        ),
        "count",
        "lower",
        "suppliers that switched buyers",
    ),
    "production_disruption_days": Kpi(
        "Slot-days left empty by failures (replacement_days each).",
        "days",
        "lower",
        "production disruption",
    ),
    "lost_deliveries": Kpi(
        (
            "Deliveries that did not happen: the tier-1 or its tier-2 was gone, or the core had "
            "defaulted."
        ),
        "count",
        "lower",
        "lost deliveries",
    ),
    "payment_terms_days_mean": Kpi(
        "Mean payment term of the receivables the core issued, days.",
        "days",
        "neutral",
        "payment term, mean",
    ),
    "payment_terms_days_p90": Kpi(
        "90th percentile of the same terms.", "days", "neutral", "payment term, 90th percentile"
    ),
    "payment_terms_days_face_weighted": Kpi(
        "Face-weighted mean of the same terms.", "days", "neutral", "payment term, face-weighted"
    ),
    "core_cash_released_cny": Kpi(
        (
            "Cash the core keeps by paying later than the market term: sum over issued receivables "
            "of face x (term - core.term_days_mean), divided by the run's days (the average "
            "extra payables outstanding), CNY."
        ),
        "CNY",
        "neutral",
        "core cash released by longer terms",
    ),
    "terms_offers": Kpi(
        "Payment terms the core offered (tier-1 x contract period, and entrants).",
        "count",
        "neutral",
        "payment terms offered",
    ),
    "terms_refused": Kpi(
        "Offers the supplier refused (it then switched buyers).",
        "count",
        "lower",
        "payment terms refused",
    ),
    "bank_interest_income_cny": Kpi(
        (
            "The bank's discount earned: on repaid or recoursed receivables the discount (face - "
            "payout - fee) in proportion to the face collected, on receivables open at the horizon "
            "the discount accrued pro rata to time held; later recoveries add their share, CNY."
        ),
        "CNY",
        "higher",
        "bank discount income",
    ),
    "bank_fee_income_cny": Kpi(
        "Flat fees (bank.fee_bps of face) on every financing, CNY.",
        "CNY",
        "higher",
        "bank fee income",
    ),
    "bank_funding_cost_cny": Kpi(
        (
            "payout x pricing.funding_rate_bps x days held / 365 (until repaid, defaulted or the "
            "horizon), CNY."
        ),
        "CNY",
        "lower",
        "bank funding cost",
    ),
    "bank_losses_cny": Kpi(
        (
            "Unpaid share of face - discount x pricing.lgd on receivables written off or caught "
            "by the core's default, less the reversal when the core pays later, CNY."
        ),
        "CNY",
        "lower",
        "bank credit losses",
    ),
    "bank_recourse_recovered_cny": Kpi(
        ("What sellers paid back under a recourse programme (pricing.recourse), CNY."),
        "CNY",
        "neutral",
        "recovered under recourse",
    ),
    "bank_net_income_cny": Kpi(
        "interest + fees - funding cost - losses, CNY.", "CNY", "higher", "bank net income"
    ),
    "bank_economic_capital_mean_cny": Kpi(
        (
            "Time-average economic capital: each financing holds payout x K(PD, LGD) (Basel IRB "
            "corporate formula, 99.9%, no maturity adjustment, PD floor 0.05%; PD = the core's "
            "at financing, x recourse_pd_factor under recourse) while it is held, CNY."
        ),
        "CNY",
        "neutral",
        "bank economic capital, mean",
    ),
    "bank_raroc": Kpi(
        (
            "Annualised net income / mean economic capital: bank_net_income_cny x 365 / "
            "(capital x days held)."
        ),
        "ratio",
        "higher",
        "bank RAROC",
    ),
    "bank_positions_defaulted": Kpi(
        "Financed receivables closed as defaulted.",
        "count",
        "lower",
        "financed receivables defaulted",
    ),
    "bank_written_off_cny": Kpi(
        (
            "Face less collections of financed receivables the bank wrote off on the ledger "
            "(bank.write_off_days after due), CNY."
        ),
        "CNY",
        "lower",
        "written off",
    ),
    "programme_rate_bps_mean": Kpi(
        ("Mean of the programme rates the bank posted on chain (at the start and every change)."),
        "bps",
        "lower",
        "programme rate, mean",
    ),
    "core_defaulted": Kpi(
        "1 if the core's credit state reached default in the run, else 0.",
        "flag",
        "lower",
        "core defaulted",
    ),
    "core_grade_end": Kpi(
        "The core's credit grade at the end (0 = best).", "grade", "lower", "core grade at the end"
    ),
    "core_grade_changes": Kpi(
        "Rating migrations of the core in the run.", "count", "neutral", "core rating migrations"
    ),
    "fraud_attempts": Kpi(
        "Adversarial attempts sent (all kinds).", "count", "neutral", "fraud attempts"
    ),
    "fraud_blocked": Kpi(
        "Attempts the ledger rejected.", "count", "higher", "fraud attempts blocked"
    ),
    "fraud_succeeded": Kpi(
        "Attempts that went through.", "count", "lower", "fraud attempts succeeded"
    ),
    "fraud_loss_cny": Kpi(
        "Money lost to successful attempts (paper only), CNY.", "CNY", "lower", "fraud losses"
    ),
    "tx_count": Kpi(
        "Ledger operations completed (ok or reverted).", "count", "neutral", "ledger operations"
    ),
    "tx_reverted": Kpi(
        "Ledger operations rejected.", "count", "neutral", "ledger operations rejected"
    ),
    "gas_used": Kpi(
        "Gas of all ledger operations (chain only; 0 off chain).", "count", "lower", "gas used"
    ),
    "blocks": Kpi("Blocks mined (chain only).", "count", "neutral", "blocks mined"),
    "exposure_cny": Kpi(
        "Financed outstanding on the core at the monthly review (monthly), CNY.",
        "CNY",
        "neutral",
        "financed exposure on the core",
    ),
    **{
        f"fraud_{kind}_attempts": Kpi(
            f"Adversarial attempts of kind {kind} sent.", "count", "neutral", f"{kind} attempts"
        )
        for kind in ATTACK_KINDS
    },
    **{
        f"fraud_{kind}_succeeded": Kpi(
            f"Attempts of kind {kind} that went through.", "count", "lower", f"{kind} succeeded"
        )
        for kind in ATTACK_KINDS
    },
    "gas_per_<op>": Kpi(
        "Mean gas of a successful operation of that kind (chain only).",
        "count",
        "lower",
        "gas per operation",
    ),
}


@dataclass(frozen=True)
class Financing:
    """One successful financing: who, in which report month, how long it took, what it cost."""

    tier: int
    slot: int
    month: int
    cycle_hours: float
    face_fen: int
    payout_fen: int
    annual_cost: float
    all_in_cost: float
    held_days: float


def _pct(values: np.ndarray, q: float) -> float | None:
    return float(np.percentile(values, q)) if len(values) else None


class SupplyChainKpis:
    """The KPIs of one mode of case 1.

    Args:
        calendar: the run's report months.
        tier2_count: tier-2 slots (denominator of the tier-2 reach).
    """

    def __init__(self, calendar: Calendar, tier2_count: int) -> None:
        self.calendar, self.tier2_count = calendar, tier2_count
        self.financings: list[Financing] = []
        self.applications: Counter[int] = Counter()
        self.failures: Counter[int] = Counter()
        self.failures_by_month: Counter[int] = Counter()
        self.disruption_days = 0
        self.failed_supplier_days = 0
        self.lost_deliveries = 0
        self.attempts: Counter[str] = Counter()
        self.blocked: Counter[str] = Counter()
        self.succeeded: Counter[str] = Counter()
        self.fraud_loss_fen: Counter[str] = Counter()
        self.exposure_fen: dict[int, int] = {}
        self.positions: list[PositionClosed] = []
        self.core_grades: list[int] = []
        self.core_default_hours: float | None = None
        self.rates_bps: list[int] = []
        self.terms: list[int] = []
        self.term_faces: list[float] = []
        self.stretch_cny_days = 0.0
        self.offers: list[TermsOffered] = []
        self.switched = 0
        self.end: RunEnded | None = None
        #: blocks mined, set by the wiring from the chain adapter (None off chain)
        self.blocks: int | None = None

    def subscribe(self, bus: EventBus) -> None:
        """Listen to the events this collector needs on ``bus``."""
        bus.subscribe(self._financed, Financed)
        bus.subscribe(self._applied, FinancingApplied)
        bus.subscribe(self._failed, SupplierFailed)
        bus.subscribe(self._lost, DeliveryLost)
        bus.subscribe(self._planned, AttackPlanned)
        bus.subscribe(self._attack, AttackOutcome)
        bus.subscribe(self._exposure, ExposureReviewed)
        bus.subscribe(self._ended, RunEnded)
        bus.subscribe(self.positions.append, PositionClosed)
        bus.subscribe(self._rated, CoreRated)
        bus.subscribe(self._core_defaulted, CoreDefaulted)
        bus.subscribe(self._priced, ProgrammePriced)
        bus.subscribe(self._issued, ReceivableIssued)
        bus.subscribe(self.offers.append, TermsOffered)
        bus.subscribe(self._switched, SupplierSwitched)

    def _month(self, t_hours: float) -> int:
        return self.calendar.month(int(t_hours // HOURS_PER_DAY))

    # ----------------------------------------------------------------- handlers

    def _financed(self, e: Financed) -> None:
        month = self._month(e.t_hours)
        self.financings.append(
            Financing(
                e.tier,
                e.slot,
                month,
                e.cycle_hours,
                e.face_fen,
                e.payout_fen,
                e.annual_cost,
                e.all_in_cost,
                e.held_days,
            )
        )

    def _issued(self, e: ReceivableIssued) -> None:
        self.terms.append(e.term_days)
        self.term_faces.append(e.amount)
        self.stretch_cny_days += e.amount * (e.term_days - e.reference_days)

    def _switched(self, e: SupplierSwitched) -> None:
        self.switched += 1

    def _rated(self, e: CoreRated) -> None:
        self.core_grades.append(e.grade)

    def _core_defaulted(self, e: CoreDefaulted) -> None:
        self.core_default_hours = e.t_hours

    def _priced(self, e: ProgrammePriced) -> None:
        self.rates_bps.append(e.rate_bps)

    def _applied(self, e: FinancingApplied) -> None:
        self.applications[e.tier] += 1

    def _failed(self, e: SupplierFailed) -> None:
        self.failures[e.tier] += 1
        self.failures_by_month[self._month(e.t_hours)] += 1
        self.disruption_days += e.replacement_days
        self.failed_supplier_days += e.live_days

    def _lost(self, e: DeliveryLost) -> None:
        self.lost_deliveries += 1

    def _planned(self, e: AttackPlanned) -> None:
        if not e.skipped:
            self.attempts[e.attack] += 1

    def _attack(self, e: AttackOutcome) -> None:
        if e.step == "attempt":
            (self.succeeded if e.ok else self.blocked)[e.attack] += 1
        if e.ok:
            self.fraud_loss_fen[e.attack] += e.fraud_loss_fen

    def _exposure(self, e: ExposureReviewed) -> None:
        self.exposure_fen[self._month(e.t_hours)] = e.outstanding_fen

    def _ended(self, e: RunEnded) -> None:
        self.end = e

    # ----------------------------------------------------------------- results

    @property
    def supplier_days(self) -> int:
        """Live supplier-days: exposure of the failure rate (empty slots carry none)."""
        live = self.end.live_supplier_days if self.end is not None else 0
        return self.failed_supplier_days + live

    @property
    def issued_face_fen(self) -> int:
        """Face of every receivable the core issued."""
        return self.end.issued_face_fen if self.end is not None else 0

    @property
    def tx_count(self) -> int:
        """Ledger operations completed."""
        return self.end.tx_count if self.end is not None else 0

    def cycles(self) -> np.ndarray:
        """Financing cycle times in hours."""
        return np.array([f.cycle_hours for f in self.financings], dtype=float)

    def totals(self) -> dict[str, Any]:
        """Whole-run KPIs of the mode (call after the run)."""
        if self.end is None:
            raise RuntimeError("supply_chain KPIs: the run has not ended (no run_end event)")
        end, cycles = self.end, self.cycles()
        payouts = np.array([f.payout_fen for f in self.financings], dtype=float)
        costs = np.array([f.annual_cost for f in self.financings], dtype=float)
        all_in = np.array([f.all_in_cost for f in self.financings], dtype=float)
        applications = sum(self.applications.values())
        failures = sum(self.failures.values())
        face = sum(f.face_fen for f in self.financings)
        years = self.supplier_days / 365
        out: dict[str, Any] = {
            "financing_cycle_hours_p50": _pct(cycles, 50),
            "financing_cycle_hours_p90": _pct(cycles, 90),
            "financing_cycle_hours_mean": float(cycles.mean()) if len(cycles) else None,
            "financing_cost_annual_pct": (
                float(np.average(costs, weights=payouts) * 100) if len(costs) else None
            ),
            "financing_cost_all_in_pct": (
                float(np.average(all_in, weights=payouts) * 100) if len(all_in) else None
            ),
            "financing_day_after_receipt_mean": (
                float(np.average([f.held_days for f in self.financings], weights=payouts))
                if len(payouts)
                else None
            ),
            "financed_volume_cny": float(payouts.sum() / FEN),
            "financed_share_of_receivables": (
                face / end.issued_face_fen if end.issued_face_fen else None
            ),
            "financings": len(self.financings),
            "applications": applications,
            "approval_rate": len(self.financings) / applications if applications else None,
            "tier2_reach_share": (
                len({f.slot for f in self.financings if f.tier == 2}) / self.tier2_count
                if self.tier2_count
                else None
            ),
            "supplier_failures": failures,
            "supplier_years": years,
            "supplier_failure_rate_annual": failures / years if self.supplier_days else None,
            "supplier_failures_tier1": self.failures[1],
            "supplier_failures_tier2": self.failures[2],
            "production_disruption_days": self.disruption_days,
            "lost_deliveries": self.lost_deliveries,
            "fraud_attempts": sum(self.attempts.values()),
            "fraud_blocked": sum(self.blocked.values()),
            "fraud_succeeded": sum(self.succeeded.values()),
            "fraud_loss_cny": sum(self.fraud_loss_fen.values()) / FEN,
            "payment_terms_days_mean": float(np.mean(self.terms)) if self.terms else None,
            "payment_terms_days_p90": _pct(np.array(self.terms, dtype=float), 90),
            "payment_terms_days_face_weighted": (
                float(np.average(self.terms, weights=self.term_faces)) if self.terms else None
            ),
            "core_cash_released_cny": (
                self.stretch_cny_days / (end.t_hours / HOURS_PER_DAY) if end.t_hours else None
            ),
            "terms_offers": len(self.offers),
            "terms_refused": sum(not o.accepted for o in self.offers),
            "suppliers_switched": self.switched,
            "bank_written_off_cny": end.written_off_fen / FEN,
            **self._bank_pnl(),
            "core_defaulted": int(self.core_default_hours is not None),
            "core_grade_end": self.core_grades[-1] if self.core_grades else None,
            "core_grade_changes": max(len(self.core_grades) - 1, 0),
            "programme_rate_bps_mean": (float(np.mean(self.rates_bps)) if self.rates_bps else None),
            "tx_count": end.tx_count,
            "tx_reverted": end.tx_reverted,
            "gas_used": end.gas_used,
        }
        for kind in ATTACK_KINDS:
            out[f"fraud_{kind}_attempts"] = self.attempts[kind]
            out[f"fraud_{kind}_succeeded"] = self.succeeded[kind]
        for kind, gas in sorted(end.gas_by_kind.items()):
            out[f"gas_per_{kind}"] = float(np.mean(gas))
        if self.blocks is not None:
            out["blocks"] = self.blocks
        return out

    def _bank_pnl(self) -> dict[str, Any]:
        """The bank's P&L on the financed receivables (from its closed and open positions)."""
        ps = self.positions
        interest = sum(p.interest_fen for p in ps) / FEN
        fees = sum(p.fee_fen for p in ps) / FEN
        funding = sum(p.funding_fen for p in ps) / FEN
        losses = sum(p.loss_fen for p in ps) / FEN
        net = interest + fees - funding - losses
        capital_days = sum(p.capital_fen_days for p in ps) / FEN
        days = self.end.t_hours / HOURS_PER_DAY if self.end is not None else 0.0
        return {
            "bank_interest_income_cny": interest,
            "bank_fee_income_cny": fees,
            "bank_funding_cost_cny": funding,
            "bank_losses_cny": losses,
            "bank_recourse_recovered_cny": sum(p.recovered_fen for p in ps) / FEN,
            "bank_net_income_cny": net,
            "bank_economic_capital_mean_cny": capital_days / days if days else None,
            "bank_raroc": net * 365 / capital_days if capital_days > 0 else None,
            "bank_positions_defaulted": sum(p.status == "defaulted" for p in ps),
        }

    def monthly_volume_cny(self) -> np.ndarray:
        """Financed volume (payouts) per report month."""
        volume = np.zeros(self.calendar.months)
        for f in self.financings:
            volume[f.month] += f.payout_fen / FEN
        return volume

    def record(self, rec: Recorder, mode: str, totals: dict[str, Any]) -> None:
        """Totals and monthly series of the mode into the recorder."""
        for name, value in totals.items():
            rec.total(CASE, mode, name, value)
        volume = self.monthly_volume_cny()
        cycles: list[list[float]] = [[] for _ in range(self.calendar.months)]
        for f in self.financings:
            cycles[f.month].append(f.cycle_hours)
        for month in range(self.calendar.months):
            rec.kpi(CASE, mode, month, "financed_volume_cny", float(volume[month]))
            p50 = float(np.median(cycles[month])) if cycles[month] else None
            rec.kpi(CASE, mode, month, "financing_cycle_hours_p50", p50)
            rec.kpi(CASE, mode, month, "supplier_failures", self.failures_by_month[month])
            exposure = self.exposure_fen.get(month)
            rec.kpi(CASE, mode, month, "exposure_cny", None if exposure is None else exposure / FEN)
