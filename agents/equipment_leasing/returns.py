"""The lessee's answer to an early-return offer: keep the idle machine or hand it back.

When the lessor finds a machine idle (an idle or arrears-and-idle alert; under inspections, a
visit that found it parked) and the maker's dealer network has no job for it, it offers the
lessee — if its account is current — to end the lease early for a fee of
``bank.early_return_fee_months`` of the annuity (``bank.early_return_offer``, part of the
redeployment channel). The lessee keeps the machine when what it expects to earn with it is worth
more than paying the fee to be rid of it: the machine's monthly margin at the hours it expects to
work, less the rent its own tariff charges for those hours, over the rest of the lease (at most
``lessee.repayment.value_horizon_months``, discounted at ``discount_rate_monthly``). A firm whose
machine costs more in rent than it earns, and that has the cash for the fee, hands it back; the
lessor puts the machine in the yard for the next applicant (:mod:`.prospects`).
"""

from __future__ import annotations

import numpy as np

from agents.equipment_leasing.book import LeaseBook
from agents.equipment_leasing.repayment import machine_margin_cny
from agents.equipment_leasing.schema import EquipmentLeasingConfig
from sim.kernel.calendar import DAYS_PER_MONTH


def return_fee_cny(cfg: EquipmentLeasingConfig, book: LeaseBook, i: int) -> float:
    """The fee lease ``i`` pays to end early."""
    return cfg.bank.early_return_fee_months * float(book.annuity[i])


def keep_value_cny(
    cfg: EquipmentLeasingConfig, book: LeaseBook, i: int, daily_hours: float
) -> float:
    """What lease ``i``'s lessee expects to gain by keeping the machine to the end of the
    lease (or its value horizon): monthly margin less rent at ``daily_hours``, discounted."""
    hours = daily_hours * DAYS_PER_MONTH
    d = book.devices
    margin = float(
        machine_margin_cny(
            cfg, d.client_rate_cny_per_hour[i], d.fuel_litres_per_hour[i], book.idle_share[i], hours
        )
    )
    tariff = book.tariffs[int(book.tariff_ix[i])]
    rent = float(tariff.rent_cny(book.annuity[i : i + 1], np.array([hours]))[0])
    r = cfg.lessee.repayment
    months = int(min(r.value_horizon_months, cfg.lease.tenor_months - int(book.months_elapsed[i])))
    factor = sum((1 + r.discount_rate_monthly) ** -(k + 1) for k in range(max(months, 0)))
    return (margin - rent) * factor


def hands_back(cfg: EquipmentLeasingConfig, book: LeaseBook, i: int, daily_hours: float) -> bool:
    """Whether lease ``i``'s lessee takes the early-return offer (it has the cash for the fee
    and keeping the machine is worth less than paying it)."""
    fee = return_fee_cny(cfg, book, i)
    return bool(book.cash[i] >= fee) and keep_value_cny(cfg, book, i, daily_hours) < -fee
