"""Shared building blocks of the scenario schema: frozen models and shocks."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Frozen(BaseModel):
    """Base of every config model: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


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
