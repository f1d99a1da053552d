"""Case 3's typed events: what the leasing bank saw and did, and each month's book snapshot.

The kinds and logged fields are those of the run's event log (``events.parquet``): ``agent`` is
the device id, ``amount`` the money involved. Fields in ``unlogged`` travel to subscribers only,
for the KPI collectors (which lease an alert concerned, what an action cost, the month's tallies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sim.kernel.events import Event


@dataclass(frozen=True, kw_only=True, slots=True)
class AlertSeen(Event):
    """The bank read an alert of the telemetry port.

    Attributes:
        agent: the device.
        rule: the monitor rule that fired.
        value: the measured quantity (hours idle, litres per hour, days past due, ...).
        detail: extra text, e.g. the fault code.
        slot: the device's slot in the lease book.
        lease_no: the lease running on the slot.
        on_active_lease: whether that lease was still running (alerts on a machine in recovery
            count for no lease).
    """

    kind: ClassVar[str] = "alert"
    unlogged: ClassVar[frozenset[str]] = frozenset({"slot", "lease_no", "on_active_lease"})
    agent: str
    rule: str
    value: float
    detail: str
    slot: int
    lease_no: int
    on_active_lease: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class Call(Event):
    """The bank called the lessee; ``matched``: the maker's network found the machine a job."""

    kind: ClassVar[str] = "call"
    unlogged: ClassVar[frozenset[str]] = frozenset({"cost_cny"})
    agent: str
    matched: bool
    cost_cny: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Restructure(Event):
    """The bank deferred a lease's arrears (``amount``) over the next months."""

    kind: ClassVar[str] = "restructure"
    agent: str
    amount: float


@dataclass(frozen=True, kw_only=True, slots=True)
class RemoteLock(Event):
    """The bank locked the machine remotely (``reason``: ``arrears`` or ``out_of_region``)."""

    kind: ClassVar[str] = "remote_lock"
    agent: str
    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class RepaymentChoice(Event):
    """A lessee in difficulty chose how to treat this month's rent.

    Attributes:
        agent: the device.
        choice: ``pay``, ``partly`` or ``stop``.
        amount: its arrears after the bill.
        lock: whether the product could lock its machine (what it feared).
    """

    kind: ClassVar[str] = "repayment_choice"
    agent: str
    choice: str
    amount: float
    lock: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class Default(Event):
    """A lease ended in default and repossession started; ``amount`` is the exposure.

    ``expected_recovery_cny``: what the lessor expects to recover (odds of finding the machine ×
    its net used-equipment value at the expected sale), the recovery of a default still open at
    the end of a run.
    """

    kind: ClassVar[str] = "default"
    unlogged: ClassVar[frozenset[str]] = frozenset({"slot", "lease_no", "expected_recovery_cny"})
    agent: str
    amount: float
    reason: str
    slot: int
    lease_no: int
    expected_recovery_cny: float


@dataclass(frozen=True, kw_only=True, slots=True)
class Repossession(Event):
    """The repossession ended: ``amount`` recovered of ``exposure_cny``; ``located`` or lost.

    ``amount`` is the machine's net used-equipment value (price after depreciation to the sale,
    less the forced-sale haircut, discounted over the time to sell, less the repossession cost),
    capped at the exposure; 0 when the machine was moved away and not found.
    """

    kind: ClassVar[str] = "repossession"
    unlogged: ClassVar[frozenset[str]] = frozenset({"cost_cny"})
    agent: str
    amount: float
    located: bool
    exposure_cny: float
    cost_cny: float


@dataclass(frozen=True, kw_only=True, slots=True)
class EarlyReturn(Event):
    """A lessee handed its idle machine back before the end of the tenor (redeployment).

    ``amount`` is the early-return fee it paid; the machine goes to the yard at its net
    used-equipment value ``machine_value_cny`` against the lease's ``exposure_cny``.
    """

    kind: ClassVar[str] = "early_return"
    agent: str
    amount: float
    exposure_cny: float
    machine_value_cny: float


@dataclass(frozen=True, kw_only=True, slots=True)
class MachineSold(Event):
    """A machine that waited ``yard_days`` in the yard without a lessee was sold for ``amount``
    (its net used-equipment value, the value the lessor marked it at when it came back)."""

    kind: ClassVar[str] = "machine_sold"
    agent: str
    amount: float
    yard_days: int


@dataclass(frozen=True, kw_only=True, slots=True)
class Application(Event):
    """A prospective lessee for a free machine: the tariff it chose and the outcome.

    ``reason``: ``""`` when approved, ``no_take_up`` when the expected margin did not cover the
    rent (it did not apply), ``cash`` or ``cover`` when the lessor's screen turned it down.
    ``repeat``: the previous lessee of the machine came back.
    """

    kind: ClassVar[str] = "application"
    agent: str
    tariff: str
    approved: bool
    reason: str
    expected_hours: float
    repeat: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class NewLease(Event):
    """A free machine (matured or repossessed) was leased out to a new lessee."""

    kind: ClassVar[str] = "new_lease"
    agent: str
    lease_no: int


@dataclass(frozen=True, kw_only=True, slots=True)
class MonthEnd(Event):
    """A report month closed: the month's tallies of the book (for the KPI collectors).

    Attributes:
        month: report month index (from 0).
        productive_hours: engine hours less idle hours, whole fleet.
        engine_hours: engine hours, whole fleet.
        available_hours: hours the whole fleet (yard included) could have worked.
        leased_available_hours: hours the machines on a running lease could have worked.
        rental_income_cny: rent received.
        rent_billed_cny: rent billed (on the month's first day).
        active_leases_days: running leases summed over the month's days.
        days: days in the month.
        matured: leases that reached the end of their tenor.
        yard_days: machines in the yard (waiting for a lessee) summed over the month's days.
        working_machine_days: machine-days of running leases with any engine hours.
    """

    kind: ClassVar[str] = "month_end"
    unlogged: ClassVar[frozenset[str]] = frozenset(
        {
            "productive_hours",
            "engine_hours",
            "available_hours",
            "leased_available_hours",
            "rental_income_cny",
            "rent_billed_cny",
            "active_leases_days",
            "days",
            "matured",
            "yard_days",
            "working_machine_days",
        }
    )
    month: int
    productive_hours: float
    engine_hours: float
    available_hours: float
    leased_available_hours: float
    rental_income_cny: float
    rent_billed_cny: float
    active_leases_days: float
    days: float
    matured: float
    yard_days: float
    working_machine_days: float
