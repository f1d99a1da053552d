"""Schema of the ``equipment_leasing:`` section (case 3: IoT equipment finance leasing), whole.

Defaults cite rows of docs/calibration.md (case 3) in ``scenarios/equipment_leasing.yaml``; the
rest are free parameters with documented ranges. Money is in CNY. The monitor's rule section is
the telemetry product's own :class:`~products.telemetry.rules.MonitorRules`, embedded as is.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from products.telemetry.rules import MonitorRules, RuleName
from sim.kernel.schema import Frozen, Shock


class EquipmentClass(Frozen):
    """One equipment class of the fleet."""

    share: float = Field(gt=0, le=1, description="share of devices")
    price_cny: float = Field(gt=0, description="new price")
    fuel_litres_per_hour: float = Field(gt=0, description="fuel per productive hour")
    fuel_max_litres_per_hour: float = Field(gt=0, description="monitor ceiling per engine hour")
    client_rate_cny_per_hour: float = Field(gt=0, description="clients pay per engine hour")


DEFAULT_CLASSES = {
    "excavator_6t": EquipmentClass(
        share=0.4,
        price_cny=380_000,
        fuel_litres_per_hour=6.0,
        fuel_max_litres_per_hour=10.0,
        client_rate_cny_per_hour=250,
    ),
    "excavator_20t": EquipmentClass(
        share=0.4,
        price_cny=900_000,
        fuel_litres_per_hour=20.0,
        fuel_max_litres_per_hour=35.0,
        client_rate_cny_per_hour=450,
    ),
    "crane_25t": EquipmentClass(
        share=0.2,
        price_cny=1_100_000,
        fuel_litres_per_hour=14.0,
        fuel_max_litres_per_hour=25.0,
        client_rate_cny_per_hour=480,
    ),
}


class Region(Frozen):
    """A lat/lon box."""

    lat_min: float = Field(ge=-90, le=90)
    lat_max: float = Field(ge=-90, le=90)
    lon_min: float = Field(ge=-180, le=180)
    lon_max: float = Field(ge=-180, le=180)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.lat_max <= self.lat_min or self.lon_max <= self.lon_min:
            raise ValueError(f"region {self.model_dump()}: max must be > min for lat and lon")
        return self


class FleetConfig(Frozen):
    """The devices and where they work."""

    devices: int = Field(default=300, ge=1, le=20_000)
    classes: dict[str, EquipmentClass] = Field(default_factory=lambda: dict(DEFAULT_CLASSES))
    home_region: Region = Region(lat_min=31.0, lat_max=39.0, lon_min=111.0, lon_max=119.0)
    relocation_offset_degrees: float = Field(default=6.0, gt=0, le=40)
    available_hours_per_day: float = Field(default=10.0, gt=0, le=24)
    idle_share_range: tuple[float, float] = (0.40, 0.50)
    idle_fuel_litres_per_hour: float = Field(default=4.0, ge=0)
    shift_start_hour: int = Field(default=7, ge=0, le=23)
    initial_age_years_max: float = Field(default=2.0, ge=0, description="fleet age at start")
    site_spread_degrees: float = Field(
        default=0.3, ge=0, le=5, description="how far from home a new project's site may lie"
    )
    fault_hours_after_shift_start: tuple[int, ...] = Field(
        default=(1, 2), description="hours after the shift start at which a fault code shows"
    )

    @field_validator("classes")
    @classmethod
    def _shares(cls, classes: dict[str, EquipmentClass]) -> dict[str, EquipmentClass]:
        total = sum(c.share for c in classes.values())
        if not classes or abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares sum to {total:.4f}, must sum to 1")
        return classes

    @field_validator("idle_share_range")
    @classmethod
    def _idle_range(cls, bounds: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= bounds[0] <= bounds[1] < 1:
            raise ValueError("must satisfy 0 <= low <= high < 1")
        return bounds


class DemandConfig(Frozen):
    """Project pipeline, seasonality and spot work."""

    seasonality: tuple[float, ...] = (
        0.8,
        0.38,
        1.0,
        1.08,
        1.05,
        1.0,
        0.92,
        0.92,
        1.0,
        1.05,
        1.1,
        0.95,
    )
    project_days_mean: float = Field(default=60, gt=0)
    gap_days_mean: float = Field(default=25, gt=0)
    workday_probability: float = Field(default=0.85, gt=0, le=1)
    engine_hours_per_workday: float = Field(default=6.5, gt=0, le=20)
    engine_hours_sd: float = Field(default=2.0, ge=0)
    spot_job_probability: float = Field(default=0.2, ge=0, le=1)
    spot_margin_cny_per_hour: tuple[float, float] = (20.0, 160.0)
    sector_shocks: tuple[Shock, ...] = ()
    demand_multiplier_cap: float = Field(
        default=2.0, gt=0, description="ceiling of the sector demand factor on working hours"
    )
    project_min_engine_hours: float = Field(
        default=0.5, ge=0, description="engine hours of a project workday at least"
    )
    spot_season_cap: float = Field(
        default=1.0, gt=0, description="ceiling of the season factor on spot-job offers"
    )

    @field_validator("seasonality")
    @classmethod
    def _twelve_months(cls, factors: tuple[float, ...]) -> tuple[float, ...]:
        if len(factors) != 12 or min(factors) < 0:
            raise ValueError(f"needs 12 monthly factors >= 0, got {len(factors)}")
        return factors

    @field_validator("spot_margin_cny_per_hour")
    @classmethod
    def _margin_range(cls, bounds: tuple[float, float]) -> tuple[float, float]:
        if bounds[0] > bounds[1]:
            raise ValueError("low must be <= high")
        return bounds


class RepaymentConfig(Frozen):
    """A lessee's monthly choice to pay, pay partly or stop (all free parameters, ranges given).

    In difficulty (cash short of its arrears plus ``reserve_months`` of operating costs), a
    lessee stops when the cash kept (weighted by ``liquidity_weight``) beats the expected loss:
    a remote lock costs ``lock_loss_months`` of use, a repossession the machine's value to the
    business (``value_horizon_months`` of margin), discounted over the months until it comes and
    weighted by the odds the lessor finds the machine. Otherwise it pays partly: only the bills
    that would cross the lessor's next trigger within ``safety_days``.
    """

    reserve_months: float = Field(default=1.0, ge=0, le=6, description="free, 0-3")
    liquidity_weight: float = Field(default=1.5, ge=1, le=5, description="free, 1-3")
    value_horizon_months: float = Field(default=12.0, gt=0, le=60, description="free, 3-36")
    discount_rate_monthly: float = Field(default=0.02, ge=0, le=0.2, description="free, 0-0.05")
    lock_loss_months: float = Field(default=1.0, ge=0, le=12, description="free, 0.25-3")
    safety_days: int = Field(default=10, ge=0, le=60, description="free, 0-30")


class LesseeConfig(Frozen):
    """Cash flow and behaviour of the construction firms."""

    cash_buffer_months: float = Field(default=2.0, ge=0)
    client_payment_delay_days: tuple[int, int] = (30, 120)
    bad_debt_share: float = Field(default=0.03, ge=0, lt=1)
    operator_cost_cny_per_month: float = Field(default=8_000, ge=0)
    overhead_cny_per_month: float = Field(default=3_000, ge=0)
    fuel_price_cny_per_litre: float = Field(default=7.5, gt=0)
    relocate_probability_per_day: float = Field(default=0.01, ge=0, le=1)
    fuel_misuse_probability_per_day: float = Field(default=0.02, ge=0, le=1)
    fuel_misuse_litres_per_hour: float = Field(default=20.0, ge=0)
    fault_probability_per_day: float = Field(default=0.003, ge=0, le=1)
    distressed_fault_multiplier: float = Field(default=3.0, ge=1)
    fault_codes: tuple[str, ...] = ("E101", "E205", "E310")
    intensity_sd: float = Field(default=0.25, ge=0, description="log-sd of usage intensity")
    repayment: RepaymentConfig = RepaymentConfig()

    @field_validator("client_payment_delay_days")
    @classmethod
    def _delays(cls, bounds: tuple[int, int]) -> tuple[int, int]:
        if not 0 <= bounds[0] <= bounds[1] <= 730:
            raise ValueError("must satisfy 0 <= low <= high <= 730 days")
        return bounds

    @field_validator("fault_codes")
    @classmethod
    def _codes(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        if not codes:
            raise ValueError("needs at least one fault code")
        return codes


class LeaseConfig(Frozen):
    """Contract terms."""

    down_payment_share: float = Field(default=0.2, ge=0, lt=1)
    tenor_months: int = Field(default=36, ge=1, le=120)
    finance_rate_annual: float = Field(default=0.06, ge=0, le=1)
    default_after_days_past_due: int = Field(default=90, ge=1)
    depreciation_per_year: float = Field(default=0.12, ge=0, lt=1)
    settled_below_cny: float = Field(
        default=1.0, ge=0, description="arrears up to this count as paid (rounding of payments)"
    )


class TariffShape(Frozen):
    """One rent rule, as data: ``fixed`` annuity, ``linear`` usage rent or declining ``block``.

    Usage tariffs charge ``base_share`` of the fixed annuity plus a per-hour rent scaled so that
    a month of ``reference_hours_per_month`` costs exactly the annuity (revenue-neutral at the
    reference, so an income difference between tariffs comes from behaviour). ``block`` applies
    the multiplier of each tier from its start hour; with ``all_units`` the tier the month
    reaches prices all of the month's hours (the seed article's 使用越多,单位时间租金越低), which
    makes the rent drop when a threshold is passed: a lessee just below one gains by working
    more. ``floor_share``: the month's rent is at least this share of the annuity.
    """

    kind: Literal["fixed", "linear", "block"]
    base_share: float = Field(default=0.4, ge=0, le=1, description="free parameter, 0-1")
    reference_hours_per_month: float = Field(default=125, gt=0)
    tiers: tuple[tuple[float, float], ...] = ((0, 1.0),)
    all_units: bool = True
    floor_share: float = Field(default=0.0, ge=0, le=1, description="free parameter, 0-1")

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, tiers: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        starts = [start for start, _ in tiers]
        ok = starts and starts[0] == 0 and starts == sorted(set(starts))
        if not ok or any(m <= 0 for _, m in tiers):
            raise ValueError("tiers must start at 0 hours, rise strictly, and have rates > 0")
        return tiers


DEFAULT_TARIFFS = {
    "fixed": TariffShape(kind="fixed", base_share=1.0),
    "linear": TariffShape(kind="linear"),
    "block": TariffShape(kind="block", tiers=((0, 1.0), (150, 0.85), (250, 0.7))),
}


class TelemetryConfig(Frozen):
    """How readings travel in the telemetry mode."""

    adapter: Literal["mqtt", "fake"] = "mqtt"
    broker_url: str | None = Field(default=None, pattern=r"^mqtt://[^:/]+(:\d+)?/?$")
    send_every_hours: Literal[1, 2, 3, 4, 6, 8, 12, 24] = 24
    max_payload_bytes: int = Field(default=65_536, ge=1_024)
    barrier_timeout_s: float = Field(default=30.0, gt=0)
    rules: MonitorRules = MonitorRules()


class InspectionConfig(Frozen):
    """Site inspections in the no-IoT mode."""

    interval_days: int = Field(default=30, ge=1, le=365)
    cost_cny_per_visit: float = Field(default=300, ge=0)


class BankPolicy(Frozen):
    """What the bank does on alerts and arrears."""

    call_on: tuple[RuleName, ...] = ("idle", "arrears_idle")
    call_cost_cny: float = Field(default=50, ge=0)
    call_cooldown_days: int = Field(default=14, ge=0)
    work_match_probability: float = Field(default=0.3, ge=0, le=1)
    matched_job_days: int = Field(default=10, ge=0)
    redeploy_delay_days: int = Field(
        default=3, ge=0, le=60, description="days until a dealer-found job starts (free, 1-10)"
    )
    redeploy_cost_cny: float = Field(
        default=1_500, ge=0, description="dealer's fee per job found (free, 500-5000)"
    )
    restructure_after_days: int = Field(default=30, ge=1)
    restructure_max: int = Field(default=1, ge=0)
    restructure_spread_months: int = Field(default=6, ge=1)
    restructure_blocked_by: tuple[RuleName, ...] = ("geofence", "fuel_rate")
    remote_lock: bool = Field(
        default=True, description="the product can lock a machine remotely (telemetry only)"
    )
    lock_after_days: int = Field(default=45, ge=1)
    lock_on_geofence_in_arrears: bool = True
    lock_to_repossess_days: int = Field(default=30, ge=1)
    repossess_days_with_gps: int = Field(default=7, ge=0)
    repossess_days_without_gps: int = Field(default=45, ge=0)
    locate_probability_with_gps: float = Field(default=0.98, ge=0, le=1)
    locate_probability_relocated_without_gps: float = Field(default=0.4, ge=0, le=1)
    resale_haircut: float = Field(default=0.25, ge=0, le=1, description="free, 0.1-0.4")
    repossession_cost_cny: float = Field(default=20_000, ge=0)
    resale_days: int = Field(
        default=60, ge=0, le=365, description="time to sell a repossessed machine (free, 30-180)"
    )
    release_delay_days: int = Field(
        default=30, ge=0, description="days a machine back in the yard needs before re-lease"
    )
    early_return_offer: bool = Field(
        default=True,
        description="with redeployment: a lessor that finds an idle machine and no job for it "
        "offers its lessee (account current) an early return; the lessee decides",
    )
    early_return_fee_months: float = Field(
        default=1.0, ge=0, le=12, description="early-return fee, months of annuity (free, 0-3)"
    )
    yard_max_days: int = Field(
        default=120,
        ge=1,
        le=3650,
        description="a machine this long in the yard without a lessee is sold (free, 60-365)",
    )


class ProspectsConfig(Frozen):
    """Prospective lessees of a free machine and the lessor's screening (all free parameters).

    A machine free after a maturity or a repossession waits in the yard; an applicant arrives
    every ``arrival_days``. It has its own expected use (intensity, drawn like a lessee's), cash
    (``cash_buffer_months`` of fixed costs, drawn in the range) and client payment delay; it
    picks the offered tariff with the lowest expected rent at its expected hours and leases only
    if the machine's expected margin covers that rent. The lessor screens on statements and
    collateral: cash of at least ``min_cash_months`` and an expected margin of at least
    ``min_cover`` x the rent, the hours read from statements with a log-error of sd
    ``statement_error_sd``. The first applicant for a matured machine is its previous lessee with
    probability ``repeat_share``; with telemetry the lessor knows that firm's hours exactly.
    """

    arrival_days: int = Field(default=7, ge=1, le=90, description="free, 3-30")
    cash_buffer_months: tuple[float, float] = (0.5, 4.0)
    min_cash_months: float = Field(default=1.0, ge=0, le=12, description="free, 0-3")
    min_cover: float = Field(default=1.2, ge=0, le=5, description="free, 1-2")
    statement_error_sd: float = Field(default=0.25, ge=0, le=1, description="free, 0-0.5")
    repeat_share: float = Field(default=0.3, ge=0, le=1, description="free, 0-0.6")

    @field_validator("cash_buffer_months")
    @classmethod
    def _cash_range(cls, bounds: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= bounds[0] <= bounds[1]:
            raise ValueError("must satisfy 0 <= low <= high")
        return bounds


class ChannelsConfig(Frozen):
    """What the innovated product adds to the traditional one, channel by channel.

    Each key switches one channel of the innovated mode; off, the innovated mode runs the
    traditional mode's version (so with all off it is the traditional mode). The traditional
    mode has none of them. ``price_response``: the innovated tariff (``innovated.pricing``)
    instead of the traditional one; ``monitoring``: telemetry instead of site inspections
    (alerts, GPS); ``remote_lock``: the lessor can lock a machine (and the lessees know it; with
    ``bank.remote_lock``); ``redeployment``: idle machines the lessor finds are offered to other
    customers through the maker's dealer network; ``selection``: new lessees choose among the
    innovated mode's offered tariffs (``innovated.offered``) instead of the traditional one.
    """

    price_response: bool = True
    selection: bool = True
    monitoring: bool = True
    remote_lock: bool = True
    redeployment: bool = True


CHANNELS = tuple(ChannelsConfig.model_fields)


class DecompositionConfig(Frozen):
    """The one-at-a-time decomposition of the innovation effect by channel (extra runs).

    ``enabled``: run it (two runs per channel: on from the traditional base, off from the
    innovated mode); ``adapter``: the telemetry adapter of those runs (``fake``: in-memory, the
    same KPIs as the broker at a fraction of the time; ``same``: the innovated mode's);
    ``workers``: processes the extra runs share (1: in the run's process; the runs are
    independent, so the table is the same whatever the count).
    """

    enabled: bool = False
    adapter: Literal["fake", "same"] = "fake"
    workers: int = Field(default=2, ge=1, le=64)


class ModeConfig(Frozen):
    """What a mode changes: pricing and how the bank observes the devices."""

    pricing: str = Field(description="name of a tariff under `tariffs`")
    monitoring: Literal["telemetry", "inspection"]
    offered: tuple[str, ...] = Field(
        default=(), description="tariffs new lessees may choose besides `pricing`"
    )


class SensorOutage(Shock):
    """Telematics units of a share of the fleet stop reporting on sim days [start_day, end_day).

    ``magnitude``: the share of devices that go dark (0 < share <= 1; rounded to whole devices,
    at least one), drawn once per window from the case's seed tree, the same devices in every
    mode. A dark device's readings are never sent (:mod:`agents.equipment_leasing.outage`): the
    monitor sees nothing of it, so its telemetry alerts (idle, geofence, fuel, fault,
    arrears-idle) and the bank's actions on them stop until it reports again. Site inspections
    (the traditional mode) are not affected: an inspector sees the machine itself.
    """

    @model_validator(mode="after")
    def _share(self) -> Self:
        if not 0 < self.magnitude <= 1:
            raise ValueError(f"magnitude: {self.magnitude} must be a device share in (0, 1]")
        return self


class LeasingShocksConfig(Frozen):
    """Shocks of case 3 besides the sector demand (``demand.sector_shocks``)."""

    sensor_outage: tuple[SensorOutage, ...] = Field(
        default=(), description="windows where a share of the fleet's telematics units is dark"
    )


class EquipmentLeasingConfig(Frozen):
    """The whole case-3 section."""

    fleet: FleetConfig = FleetConfig()
    demand: DemandConfig = DemandConfig()
    lessee: LesseeConfig = LesseeConfig()
    lease: LeaseConfig = LeaseConfig()
    tariffs: dict[str, TariffShape] = Field(default_factory=lambda: dict(DEFAULT_TARIFFS))
    telemetry: TelemetryConfig = TelemetryConfig()
    inspection: InspectionConfig = InspectionConfig()
    bank: BankPolicy = BankPolicy()
    channels: ChannelsConfig = ChannelsConfig()
    decomposition: DecompositionConfig = DecompositionConfig()
    prospects: ProspectsConfig = ProspectsConfig()
    shocks: LeasingShocksConfig = LeasingShocksConfig()
    innovated: ModeConfig = ModeConfig(
        pricing="block", monitoring="telemetry", offered=("linear", "fixed")
    )
    traditional: ModeConfig = ModeConfig(pricing="fixed", monitoring="inspection")

    @model_validator(mode="after")
    def _tariffs_exist(self) -> Self:
        for name in ("innovated", "traditional"):
            mode: ModeConfig = getattr(self, name)
            for key, tariff in (("pricing", mode.pricing), *(("offered", t) for t in mode.offered)):
                if tariff not in self.tariffs:
                    raise ValueError(
                        f"{name}.{key}: {tariff!r} is not a tariff (have {sorted(self.tariffs)})"
                    )
        return self


class ModeFeatures(Frozen):
    """What one run of the case actually has: its mode with the channels applied."""

    pricing: str
    monitoring: Literal["telemetry", "inspection"]
    remote_lock: bool
    redeployment: bool
    offered: tuple[str, ...]

    @property
    def telemetry(self) -> bool:
        """Whether the machines report by telemetry (GPS, alerts the day they happen)."""
        return self.monitoring == "telemetry"


def mode_features(cfg: EquipmentLeasingConfig, mode: str) -> ModeFeatures:
    """The traditional mode has no channel; the innovated mode those of ``cfg.channels``."""
    trad, inn, ch = cfg.traditional, cfg.innovated, cfg.channels
    if mode == "traditional":
        return ModeFeatures(
            pricing=trad.pricing,
            monitoring=trad.monitoring,
            remote_lock=False,
            redeployment=False,
            offered=_menu(trad),
        )
    if mode != "innovated":
        raise ValueError(f"unknown mode {mode!r} (innovated | traditional)")
    pricing = inn.pricing if ch.price_response else trad.pricing
    return ModeFeatures(
        pricing=pricing,
        monitoring=inn.monitoring if ch.monitoring else trad.monitoring,
        remote_lock=ch.remote_lock and cfg.bank.remote_lock,
        redeployment=ch.redeployment,
        offered=_menu(inn, pricing) if ch.selection else (pricing,),
    )


def _menu(mode: ModeConfig, pricing: str | None = None) -> tuple[str, ...]:
    """The tariffs a new lessee may choose from: the mode's own first, then the offered ones."""
    first = pricing or mode.pricing
    return tuple(dict.fromkeys((first, *mode.offered)))
