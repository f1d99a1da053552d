"""Scenario schema: YAML → frozen pydantic models, parsed once, validated with clear messages."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, Field, model_validator

from agents.equipment_leasing.schema import EquipmentLeasingConfig
from agents.merchant_credit.schema import MerchantCreditConfig
from agents.supply_chain.schema import SupplyChainConfig
from sim.config.loader import apply_overrides, format_validation_error, load_model, read_yaml
from sim.kernel.calendar import Calendar, month_end_days
from sim.kernel.schema import Frozen, Shock

Mode = Literal["innovated", "traditional"]


#: Top-level keys that configure a product case (one runner each in ``sim.cases``).
CASE_KEYS = ("supply_chain", "merchant_credit", "equipment_leasing")
#: Bounds of ``start`` every component accepts: block timestamps are unsigned seconds since 1970
#: (Anvil refuses a negative one), and the horizon must end inside the calendar.
EARLIEST_START = dt.date(1971, 1, 1)
LATEST_START = dt.date(2199, 12, 31)


class ScenarioConfig(Frozen):
    """A whole scenario: the clock, the seed, the modes and one section per product case."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="scenario name, used in run ids")
    description: str = ""
    start: dt.date = Field(
        default=dt.date(2025, 1, 1),
        ge=EARLIEST_START,
        le=LATEST_START,
        description="calendar date of sim hour 0 (chain timestamps are unsigned: after 1970)",
    )
    months: int = Field(default=12, ge=1, le=120, description="horizon in calendar months")
    seed: int = Field(default=0, ge=0, description="master seed of the seed tree")
    modes: tuple[Mode, ...] = Field(
        default=("innovated", "traditional"), min_length=1, description="modes run per case"
    )
    supply_chain: SupplyChainConfig | None = None
    merchant_credit: MerchantCreditConfig | None = None
    equipment_leasing: EquipmentLeasingConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_null_case(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in CASE_KEYS:
                if key in data and data[key] is None:
                    raise ValueError(
                        f"{key}: null is not a case section; delete the key to leave the case out"
                    )
        return data

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if len(set(self.modes)) != len(self.modes):
            raise ValueError(f"modes: {list(self.modes)} must not repeat a mode")
        if not any(getattr(self, key, None) is not None for key in CASE_KEYS):
            raise ValueError(f"scenario configures no case: add one of {', '.join(CASE_KEYS)}")
        return self

    def warnings(self) -> list[str]:
        """What is valid but probably not meant: shocks that start after the horizon."""
        return [
            f"{path}.start_day: {shock.start_day} is after the horizon ({self.horizon_days} "
            "days): this shock never acts"
            for path, shock in _shocks(self)
            if shock.start_day >= self.horizon_days
        ]

    def dump(self, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        """The config as plain data that validates back to itself (absent cases left out)."""
        data = self.model_dump(mode=mode)
        return {k: v for k, v in data.items() if not (k in CASE_KEYS and v is None)}

    @property
    def start_datetime(self) -> dt.datetime:
        """Sim hour 0 as a UTC datetime."""
        return dt.datetime(self.start.year, self.start.month, self.start.day, tzinfo=dt.UTC)

    @property
    def horizon_days(self) -> int:
        """Days from ``start`` to the same day ``months`` calendar months later."""
        return month_end_days(self.start, self.months)[-1] + 1

    @property
    def calendar(self) -> Calendar:
        """The run's report months (one mapping of sim days to months for every case)."""
        return Calendar.build(self.start, self.months)

    @property
    def horizon_hours(self) -> int:
        """``horizon_days`` in hours (the sim clock's unit)."""
        return self.horizon_days * 24

    def cases(self) -> list[str]:
        """Names of the configured cases, in canonical order."""
        return [key for key in CASE_KEYS if getattr(self, key, None) is not None]

    def memory_estimate_bytes(self) -> int:
        """Peak memory the run needs, estimated by the cases that model it (the largest case:
        cases run one after the other)."""
        estimates = [
            getattr(self, case).memory_estimate_bytes(self.months)
            for case in self.cases()
            if hasattr(getattr(self, case), "memory_estimate_bytes")
        ]
        return max(estimates, default=0)

    def config_hash(self) -> str:
        """Stable hash of the resolved config (provenance; seed included).

        Keys keep their order (fields in schema order, named entries in the file's order): the
        order of named entries such as ``merchant_credit.population.categories`` is the order
        the population draws them in, so two files that differ only there give other results.
        """
        payload = json.dumps(self.model_dump(mode="json"))
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _shocks(node: Any, path: str = "") -> list[tuple[str, Shock]]:
    """Every shock window in a config tree, with its key path."""
    if isinstance(node, Shock):
        return [(path, node)]
    if isinstance(node, BaseModel):
        items: Any = ((name, getattr(node, name)) for name in type(node).model_fields)
    elif isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list | tuple):
        items = enumerate(node)
    else:
        return []
    found = []
    for key, child in items:
        found += _shocks(child, f"{path}.{key}" if path else str(key))
    return found


def load_scenario(
    source: str | Path | Mapping[str, Any],
    *,
    seed: int | None = None,
    overrides: Sequence[str] = (),
) -> ScenarioConfig:
    """Parse a scenario (a YAML path or a mapping) into a validated, frozen ``ScenarioConfig``.

    Args:
        source: a YAML file path or an already-loaded mapping.
        seed: replaces the scenario's ``seed`` when given.
        overrides: ``a.b.c=value`` strings applied before validation.

    Raises:
        ScenarioError: the file or any key is invalid; the message names key, value and rule.
    """
    return load_model(ScenarioConfig, source, seed=seed, overrides=overrides)


__all__ = [
    "CASE_KEYS",
    "Frozen",
    "Mode",
    "ScenarioConfig",
    "Shock",
    "apply_overrides",
    "format_validation_error",
    "load_scenario",
    "month_end_days",
    "read_yaml",
]
