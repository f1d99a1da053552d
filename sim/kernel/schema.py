"""Shared building blocks of the scenario schema: frozen models and shocks."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

#: A case's ``mode_processes``: how many processes its modes run in at once (see
#: ``sim.cases.parallel``); the results do not depend on it.
ModeProcesses = Annotated[
    int,
    Field(
        ge=1,
        le=8,
        description="processes the modes run in at once (1 = one after the other); "
        "speed only: the results are the same whatever the number",
    ),
]


def _numeric(annotation: Any) -> bool:
    """Whether a field's type is a number (int or float, optionally in a union with None)."""
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) is typing.Annotated:
        return _numeric(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool(args) and all(_numeric(a) for a in args)
    return False


class Frozen(BaseModel):
    """Base of every config model: immutable, unknown keys rejected, numbers finite, and a
    boolean never taken for a number (``months: true`` is an error, not 1 month)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and _numeric(field.annotation):
            raise ValueError("a boolean is not a number")
        return value


class Shock(Frozen):
    """A shock active on sim days ``[start_day, end_day)``.

    ``magnitude`` is relative to the undisturbed driver, e.g. ``-0.3`` = 30% drop, or an absolute
    change for rates (see each case's documentation of the shock kind).
    """

    start_day: int = Field(ge=0, description="first sim day the shock is active")
    end_day: int = Field(gt=0, description="first sim day the shock is over")
    magnitude: float = Field(description="size of the shock; sign and unit per shock kind")

    @model_validator(mode="after")
    def _window_is_ordered(self) -> Self:
        if self.end_day <= self.start_day:
            raise ValueError(f"end_day {self.end_day} must be > start_day {self.start_day}")
        return self

    def active(self, day: int) -> bool:
        """Whether the shock applies on sim ``day``."""
        return self.start_day <= day < self.end_day
