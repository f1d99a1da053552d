"""The whole parameter schema of case 1: supply-chain receivables financing (chain vs paper).

Defaults cite docs/calibration.md rows (case 1) or say "free parameter"; ranges are the
validation rules. Money in yuan (CNY) here; the ledger works in fen. Sections are handed whole to
the objects that use them (e.g. the bank section builds the ledger's review :class:`Policy`).
Why suppliers discount (the ``financing`` section): they need the cash (projected gap, see
``population.lookahead_days``) or discounting is cheaper than what the cash is worth to them.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from products.ledger import Policy
from sim.kernel.calendar import DAY_S, FEN
from sim.kernel.schema import Frozen, ModeProcesses, Shock


class DemandConfig(Frozen):
    """What the core orders from each tier-1: a monthly demand index per supplier.

    log d(m+1) = persistence x log d(m) + sigma x N(0, 1), times every active ``shocks``
    window's (1 + magnitude) for the whole sector. A delivery's value scales by its supplier's
    index; a tier-2's by the mean of its customers'. Costs follow demand only in part
    (``variable_cost_share``): a slump leaves the fixed costs, so failure follows demand too.
    """

    enabled: bool = Field(
        default=True, description="demand moves; False = the old constant demand (index 1)"
    )
    sigma: float = Field(
        default=0.10,
        ge=0,
        le=2,
        description="monthly log-demand shock per supplier; free parameter",
    )
    persistence: float = Field(
        default=0.8, ge=0, lt=1, description="monthly AR(1) coefficient; free parameter"
    )
    variable_cost_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="share of operating cost that follows the demand index; free parameter",
    )
    shocks: tuple[Shock, ...] = Field(
        default=(),
        description="sector demand windows: every index scales by (1 + magnitude)",
    )


class PopulationConfig(Frozen):
    """The core enterprise's supplier tree."""

    tier1_count: int = Field(
        default=100, ge=1, le=5_000, description="tier-1 suppliers (CALIBRATION: ≈80 per core)"
    )
    tier2_count: int = Field(
        default=100,
        ge=0,
        le=5_000,
        description="tier-2 suppliers, each serving tier-1s round-robin; free parameter",
    )
    monthly_sales_median_cny: float = Field(
        default=800_000, gt=0, description="median tier-1 monthly sales to the core; free parameter"
    )
    sales_sigma: float = Field(
        default=0.6, ge=0, le=3, description="lognormal sigma of sales; free parameter"
    )
    deliveries_per_month: float = Field(
        default=1.0,
        gt=0,
        le=30,
        description="invoices per tier-1 per month, on a regular schedule with a random "
        "phase per supplier (periodic settlement); free parameter",
    )
    invoice_value_sigma: float = Field(
        default=0.2,
        ge=0,
        le=3,
        description="lognormal sigma of an invoice's value around monthly sales / "
        "deliveries_per_month; free parameter",
    )
    input_share: float = Field(
        default=0.35,
        ge=0,
        lt=1,
        description="share of a delivery bought from the tier-2 and paid by splitting the "
        "receivable; free parameter",
    )
    cost_ratio: float = Field(
        default=0.92,
        gt=0,
        lt=1,
        description="cash operating cost / revenue (margin = 1 - ratio); free parameter",
    )
    fund_operating_cycle: bool = Field(
        default=True,
        description="opening cash also covers the expected operating cycle (cost -> cash: "
        "mean term + late share x mean delay + half a delivery interval), i.e. the receivables "
        "a going concern (or a funded entrant) already carries; False = buffer only (cold start)",
    )
    cash_buffer_months: float = Field(
        default=0.1,
        ge=0,
        le=24,
        description="median opening cash beyond the operating cycle, in months of operating "
        "cost; free parameter calibrated to CALIBRATION firm exit rate ≈6-9%/yr in the "
        "traditional mode (merchant cash buffer ≈3 months is no anchor: paid at sale)",
    )
    cash_buffer_sigma: float = Field(
        default=0.5,
        ge=0,
        le=3,
        description="lognormal sigma of the opening buffer across suppliers; free parameter",
    )
    lookahead_days: int = Field(
        default=20,
        ge=1,
        le=180,
        description="a supplier finances when its cash is projected negative within this "
        "horizon; free parameter",
    )
    failure_gap_days: int = Field(
        default=90,
        ge=1,
        le=365,
        description="consecutive days of negative cash before a supplier fails; free parameter",
    )
    demand: DemandConfig = DemandConfig()
    replacement_days: int = Field(
        default=60,
        ge=1,
        le=365,
        description="days until a failed supplier's slot is refilled by an entrant (a new firm; "
        "the failed one never returns); production disruption; free parameter",
    )


class CoreCreditConfig(Frozen):
    """The core enterprise's credit state: a rating grade that migrates monthly, and its default.

    With ``enabled`` the core's default is an event of this state (it then pays nothing more and
    buys nothing more); without it, every invoice defaults independently with
    ``core.default_share`` (the old flat draw). ``core.distress`` windows scale the downgrade
    intensity and the grade's PD by (1 + magnitude).
    """

    enabled: bool = Field(
        default=True,
        description="core defaults come from its migrating credit state; False = the old flat "
        "per-invoice default draw (core.default_share)",
    )
    grade_pd_annual: tuple[float, ...] = Field(
        default=(0.0003, 0.001, 0.003, 0.01, 0.03, 0.10, 0.30),
        min_length=2,
        description="annual PD of each grade, best first (order of agency 1-year default rates "
        "AA..CCC); free parameter",
    )
    start_grade: int = Field(
        default=1, ge=0, le=20, description="grade at the start (0 = best); free parameter"
    )
    downgrade_per_year: float = Field(
        default=0.10, ge=0, le=12, description="intensity of a one-notch downgrade; free parameter"
    )
    upgrade_per_year: float = Field(
        default=0.08, ge=0, le=12, description="intensity of a one-notch upgrade; free parameter"
    )

    @model_validator(mode="after")
    def _grades_valid(self) -> Self:
        if self.start_grade >= len(self.grade_pd_annual):
            raise ValueError(
                f"start_grade: {self.start_grade} must be < the {len(self.grade_pd_annual)} grades"
            )
        if not all(0 < pd < 1 for pd in self.grade_pd_annual):
            raise ValueError(f"grade_pd_annual: {self.grade_pd_annual} must lie in (0, 1)")
        return self


class TermsPolicyConfig(Frozen):
    """How the core sets each tier-1's payment term every contract period, and how the
    supplier answers.

    The supplier accepts a term T if carrying it costs no more than what it would give up by
    switching buyers: (T - core.term_days_mean) x c / 365 <= bargaining x margin, where c is its
    cost of carrying a receivable, min(its hurdle rate, the all-in cost of discounting it) and
    margin = 1 - population.cost_ratio. The core knows its bargaining power and the discount
    offer, not the hurdle (uniform over the financing section's range), and picks the T in
    [core.term_days_mean, core.term_days_max] that maximises its cost of cash x (T - mean) /
    365 x annual purchases minus P(walk) x walkaway_loss_months of purchases.
    """

    enabled: bool = Field(
        default=True,
        description="the core sets terms; False = the old exogenous per-invoice term draw",
    )
    contract_months: float = Field(
        default=3.0, gt=0, le=60, description="length of a contract period; free parameter"
    )
    bargaining_median: float = Field(
        default=0.10,
        ge=0,
        le=1,
        description="median share of its margin a tier-1 gives up rather than lose the core "
        "(the core's bargaining power over it); free parameter 0-0.5",
    )
    bargaining_sigma: float = Field(
        default=0.5, ge=0, le=3, description="lognormal spread across suppliers; free parameter"
    )
    bargaining_shocks: tuple[Shock, ...] = Field(
        default=(),
        description="windows where every supplier's bargaining value scales by (1 + magnitude) "
        "(capped at 1), e.g. a demand slump that makes the core's orders scarcer",
    )
    walkaway_loss_months: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="what a supplier walking away costs the core, in months of its purchases "
        "from it (requalification, disruption); free parameter 0.5-6",
    )
    cash_premium_bps: int = Field(
        default=100,
        ge=0,
        le=5_000,
        description="the core's liquidity premium on its cost of cash, over the bank's "
        "funding rate plus its credit spread; free parameter",
    )


class CorePaymentConfig(Frozen):
    """How the core enterprise sets terms and pays."""

    term_days_min: int = Field(
        default=60, ge=1, le=365, description="CALIBRATION: legal 60-day term"
    )
    term_days_mean: float = Field(
        default=70, gt=0, le=365, description="CALIBRATION: Coface avg contract term 70 days (2023)"
    )
    term_days_max: int = Field(default=180, ge=1, le=365, description="issue: 60-180-day terms")
    late_share: float = Field(
        default=0.35,
        ge=0,
        le=1,
        description="CALIBRATION: Atradius, a little over one third paid late",
    )
    mean_delay_days: float = Field(
        default=64, ge=0, le=365, description="CALIBRATION: Coface avg delay ≈64-65 days"
    )
    default_share: float = Field(
        default=0.03, ge=0, le=1, description="CALIBRATION: Atradius bad debt ≈3% of credit sales"
    )
    issue_hour: int = Field(
        default=17,
        ge=0,
        le=23,
        description="hour of the core's daily payables-confirmation run (ERP posting); "
        "free parameter",
    )
    payment_hour: int = Field(
        default=10, ge=0, le=23, description="hour of the core's daily payment run; free parameter"
    )
    run_lead_hours: int = Field(
        default=1,
        ge=0,
        le=23,
        description="the core submits its confirmation and payment runs this many hours before "
        "the run hour, so they land in the block at that hour; free parameter",
    )
    distress: tuple[Shock, ...] = Field(
        default=(),
        description="windows where late_share and default_share scale by (1 + magnitude), "
        "and (credit.enabled) the core's downgrade intensity and PD",
    )
    credit: CoreCreditConfig = CoreCreditConfig()
    terms: TermsPolicyConfig = TermsPolicyConfig()

    @model_validator(mode="after")
    def _terms_ordered(self) -> Self:
        if not self.term_days_min <= self.term_days_mean <= self.term_days_max:
            raise ValueError(
                f"term_days_mean: {self.term_days_mean} must lie in "
                f"[term_days_min {self.term_days_min}, term_days_max {self.term_days_max}]"
            )
        return self


class PricingConfig(Frozen):
    """How the bank prices the programme on chain and what it keeps as capital.

    Price = funding + expected loss (PD x LGD) + capital charge (K x hurdle) + operating cost,
    plus the flat fee ``bank.fee_bps``. PD is the core's (the obligor of a confirmed
    receivable), times ``recourse_pd_factor`` under recourse. K is the Basel IRB corporate
    formula (asset correlation 0.12-0.24, 99.9%, no maturity adjustment, PD floor 0.05%).
    """

    risk_based: bool = Field(
        default=True,
        description="price from the core's PD; False = the old flat bank.core_rate_bps",
    )
    funding_rate_bps: int = Field(
        default=300,
        ge=0,
        le=5_000,
        description="the bank's funding (transfer) rate; CALIBRATION: Loan prime rate 1Y 3.0% "
        "(used as the funding price; free parameter 150-350)",
    )
    lgd: float = Field(
        default=0.45,
        ge=0,
        le=1,
        description="loss given default of a receivable's unpaid face (Basel F-IRB senior "
        "unsecured 45%); free parameter",
    )
    capital_hurdle: float = Field(
        default=0.12, ge=0, le=1, description="cost of equity on economic capital; free parameter"
    )
    operating_cost_bps: int = Field(
        default=50, ge=0, le=2_000, description="servicing cost in the price; free parameter"
    )
    price_late_payment: bool = Field(
        default=True,
        description="the rate covers the expected holding period, not just the tenor: it is "
        "scaled by 1 + (core.late_share x core.mean_delay_days) / core.term_days_mean (the "
        "discount runs to the due date, the bank's funding until the core pays)",
    )
    recourse: bool = Field(
        default=False,
        description="recourse programme: at a receivable's default the bank claims the unpaid "
        "face from the supplier that sold it; False = non-recourse (the bank bears the core)",
    )
    recourse_pd_factor: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="under recourse the bank loses only when the supplier cannot pay either: "
        "effective PD = core PD x this; free parameter",
    )
    limit_grade: int = Field(
        default=4,
        ge=0,
        le=20,
        description="worst core grade at which the programme limit stays open; below it the "
        "bank freezes the core's line at the monthly review; free parameter",
    )


class BankConfig(Frozen):
    """The financier in both modes."""

    core_rate_bps: int = Field(
        default=450,
        ge=0,
        le=5_000,
        description="CALIBRATION: core-credit financing down to LPR + 1.5 pp ≈ 4.5%; the flat "
        "rate used with pricing.risk_based false",
    )
    fee_bps: int = Field(
        default=0,
        ge=0,
        lt=10_000,
        description="flat fee on face; free parameter (CALIBRATION platform fee 90-120 bps is "
        "a third-party upper bound)",
    )
    advance_cap_bps: int = Field(
        default=10_000, ge=1, le=10_000, description="maximum advance / face; free parameter"
    )
    credit_line_months: float = Field(
        default=4.0,
        gt=0,
        le=60,
        description="core credit line in months of total tier-1 sales; free parameter",
    )
    max_tenor_days: int = Field(
        default=180,
        ge=1,
        le=730,
        description="automatic review: max days to maturity; free parameter",
    )
    min_amount_cny: float = Field(
        default=10_000, ge=0, description="automatic review: minimum face; free parameter"
    )
    grace_days: int = Field(
        default=7, ge=0, le=365, description="days after due before overdue; free parameter"
    )
    default_days: int = Field(
        default=90,
        ge=1,
        le=730,
        description="days after due before the holder may declare default; free parameter",
    )
    write_off_days: int = Field(
        default=180,
        ge=1,
        le=1_000,
        description="days after due before the bank writes off; free parameter",
    )
    line_cut_overdue_share: float = Field(
        default=0.10,
        ge=0,
        le=1,
        description="monthly review: cut the line when overdue/financed exceeds this; "
        "free parameter",
    )
    line_cut_factor: float = Field(
        default=0.5, gt=0, le=1, description="line multiplier on a cut; free parameter"
    )
    own_rate_bps_min: int = Field(
        default=600, ge=0, le=5_000, description="CALIBRATION: SME factoring on own credit ≈6-8%"
    )
    own_rate_bps_max: int = Field(
        default=800, ge=0, le=5_000, description="CALIBRATION: SME factoring on own credit ≈6-8%"
    )
    tier1_approval: float = Field(
        default=0.55, ge=0, le=1, description="CALIBRATION: ADB 45% SME trade-finance rejection"
    )
    tier2_approval: float = Field(
        default=0.10, ge=0, le=1, description="issue: tier-2 usually cannot borrow; free parameter"
    )
    review_mean_days: float = Field(
        default=7.0,
        ge=0,
        le=90,
        description="CALIBRATION: traditional factoring a few days to two weeks",
    )
    review_shape: float = Field(
        default=2.0, gt=0, le=100, description="gamma shape of manual review time; free parameter"
    )
    reapply_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="days a rejected supplier waits before applying again; free parameter",
    )
    admin_lead_hours: int = Field(
        default=1,
        ge=0,
        le=23,
        description="onboarding and credit-line changes are submitted this many hours before "
        "business opens, so they are in force when agents act; free parameter",
    )
    pricing: PricingConfig = PricingConfig()
    flag_lead_hours: int = Field(
        default=2,
        ge=0,
        le=23,
        description="holders flag unpaid receivables (overdue, default, write-off) this many "
        "hours before business closes; free parameter",
    )

    @model_validator(mode="after")
    def _rates_ordered(self) -> Self:
        if self.own_rate_bps_min > self.own_rate_bps_max:
            raise ValueError(
                f"own_rate_bps_min: {self.own_rate_bps_min} must be "
                f"<= own_rate_bps_max {self.own_rate_bps_max}"
            )
        if self.default_days < self.grace_days:
            # the contract refuses such a policy (ReceivableLedgerPolicyDefaultBeforeGrace)
            raise ValueError(
                f"default_days: {self.default_days} must be >= grace_days {self.grace_days}"
            )
        return self

    def ledger_policy(self) -> Policy:
        """The ledger's automatic-review policy (tenor, grace, default period, minimum face)."""
        return Policy(
            max_tenor_s=self.max_tenor_days * DAY_S,
            grace_period_s=self.grace_days * DAY_S,
            default_period_s=self.default_days * DAY_S,
            min_amount=round(self.min_amount_cny * FEN),
        )


class AdversaryConfig(Frozen):
    """Adversarial suppliers: attack rates (per month, whole population) and paper success odds."""

    count: int = Field(
        default=4, ge=0, le=1_000, description="adversarial tier-1 suppliers; free parameter"
    )
    double_financing_per_month: float = Field(
        default=1.0, ge=0, le=1_000, description="free parameter"
    )
    forged_receivable_per_month: float = Field(
        default=1.0, ge=0, le=1_000, description="free parameter"
    )
    unauthorised_disbursement_per_month: float = Field(
        default=0.5, ge=0, le=1_000, description="free parameter"
    )
    paused_action_per_month: float = Field(
        default=0.5,
        ge=0,
        le=1_000,
        description="incident freezes with an attempt inside; free parameter",
    )
    transfer_of_financed_per_month: float = Field(
        default=0.5, ge=0, le=1_000, description="free parameter"
    )
    attack_size_months: float = Field(
        default=1.0,
        gt=0,
        le=24,
        description="a forged receivable or an unauthorised disbursement is worth this many "
        "months of the attacker's sales; free parameter",
    )
    forged_due_days: int = Field(
        default=90,
        ge=1,
        le=730,
        description="days to maturity written on a forged receivable; free parameter",
    )
    cashout_delay_hours: float = Field(
        default=24,
        ge=0,
        le=720,
        description="hours after a forged receivable is issued before the attacker applies to "
        "discount it; free parameter",
    )
    paper_success: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="chance the paper clerks miss an attack; free parameter",
    )


class FinancingDecisionConfig(Frozen):
    """Cost-of-capital motive: per-supplier hurdle rates and per-application hassle costs."""

    cost_motive: bool = Field(
        default=True,
        description="suppliers also discount when it is cheaper than their hurdle rate; "
        "False = only to cover a projected cash gap",
    )
    price_gap: bool = Field(
        default=True,
        description="a supplier short of cash discounts a receivable only if its all-in cost is "
        "below shortfall_rate_bps (else it bears the gap: stretches its own bills); False = "
        "it discounts to cover any projected gap whatever the price",
    )
    shortfall_rate_bps: int = Field(
        default=2_400,
        ge=0,
        le=100_000,
        description="annualised cost of running short of cash (late fees and lost discounts on "
        "its own bills, emergency credit); free parameter 1,200-6,000",
    )
    hurdle_rate_bps_min: int = Field(
        default=600,
        ge=0,
        le=5_000,
        description="lowest opportunity cost of capital across suppliers, drawn uniformly per "
        "supplier; CALIBRATION: SME working-capital loan rate on own credit ≈6-8%",
    )
    hurdle_rate_bps_max: int = Field(
        default=800,
        ge=0,
        le=5_000,
        description="highest hurdle rate; CALIBRATION: SME working-capital loan ≈6-8%",
    )
    hassle_chain_cny: float = Field(
        default=100,
        ge=0,
        le=1_000_000,
        description="per-application cost on the platform (one signed request, staff time); "
        "free parameter",
    )
    hassle_paper_cny: float = Field(
        default=1_500,
        ge=0,
        le=1_000_000,
        description="per-application cost on paper: contract, VAT invoices, delivery proof, "
        "buyer-signed assignment notice per deal (CALIBRATION: traditional factoring "
        "documents); amount is a free parameter. The review wait is added by the decision "
        "(bank.review_mean_days shortens the period the cash is early)",
    )

    @model_validator(mode="after")
    def _hurdles_ordered(self) -> Self:
        if self.hurdle_rate_bps_min > self.hurdle_rate_bps_max:
            raise ValueError(
                f"hurdle_rate_bps_min: {self.hurdle_rate_bps_min} must be <= "
                f"hurdle_rate_bps_max {self.hurdle_rate_bps_max}"
            )
        return self


class LedgerSection(Frozen):
    """Which ledger the innovated mode runs on (the traditional mode is always the paper ledger)."""

    adapter: Literal["anvil", "revm", "fake"] = Field(
        default="anvil",
        description="anvil = ReceivableLedger.sol on a local Anvil chain; revm = the same "
        "bytecode in an in-process EVM (pyrevm) behind the same adapter: same blocks, gas and "
        "errors, no node to inspect; fake = the in-memory reference ledger (same rules, no gas, "
        "no blocks)",
    )


class SupplyChainConfig(Frozen):
    """Case 1: a core's receivables financed on chain (innovated) or on paper (traditional)."""

    population: PopulationConfig = PopulationConfig()
    core: CorePaymentConfig = CorePaymentConfig()
    bank: BankConfig = BankConfig()
    adversaries: AdversaryConfig = AdversaryConfig()
    financing: FinancingDecisionConfig = FinancingDecisionConfig()
    ledger: LedgerSection = LedgerSection()
    block_interval_hours: int = Field(
        default=1,
        ge=1,
        le=24,
        description="one block per this many sim hours when txs are waiting; free parameter",
    )
    business_hours: tuple[int, int] = Field(
        default=(9, 18), description="hours of day [open, close) when agents act; free parameter"
    )
    mode_processes: ModeProcesses = 2

    @model_validator(mode="after")
    def _hours_ordered(self) -> Self:
        start, end = self.business_hours
        if not 0 <= start < end <= 24:
            raise ValueError(
                f"business_hours: {list(self.business_hours)} must satisfy 0 <= open < close <= 24"
            )
        if self.adversaries.count > self.population.tier1_count:
            raise ValueError(
                f"adversaries.count: {self.adversaries.count} must be "
                f"<= population.tier1_count {self.population.tier1_count}"
            )
        return self
