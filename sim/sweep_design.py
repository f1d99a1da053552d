"""Sweep designs: parameter ranges and the point sets drawn from them.

``grid`` and ``zip`` list values; ``lhs`` (Latin hypercube) and ``sobol`` (scrambled Sobol')
draw ``points`` from ``parameters`` ranges with :mod:`scipy.stats.qmc`, seeded by
``design_seed`` so the same file always gives the same points. A range maps the unit interval
to ``[low, high]``: linearly, log-uniformly with ``log: true``, and onto the integers
``low..high`` (both included, equally likely) with ``integer: true``.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Self

import numpy as np
from pydantic import Field, model_validator
from scipy.stats import qmc

from sim.config import Frozen

Design = Literal["grid", "zip", "lhs", "sobol"]


class ParameterRange(Frozen):
    """A continuous or integer range a design samples (``low`` <= value <= ``high``)."""

    low: float = Field(description="smallest value")
    high: float = Field(description="largest value")
    log: bool = Field(default=False, description="sample log-uniformly (low must be > 0)")
    integer: bool = Field(default=False, description="integers low..high, both included")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.low >= self.high:
            raise ValueError(f"low: {self.low} must be < high {self.high}")
        if self.log and self.low <= 0:
            raise ValueError(f"low: {self.low} must be > 0 with log: true")
        if self.integer and not (self.low.is_integer() and self.high.is_integer()):
            raise ValueError(
                f"low/high: {self.low}/{self.high} must be whole numbers with integer: true"
            )
        return self

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map unit-interval samples ``u`` in [0, 1] to values of this range."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.integer:
            lo, hi = (
                (math.log(self.low), math.log(self.high + 1))
                if self.log
                else (
                    self.low,
                    self.high + 1,
                )
            )
            raw = lo + u * (hi - lo)
            values = np.floor(np.exp(raw) if self.log else raw)
            return np.clip(values, self.low, self.high)
        if self.log:
            return np.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)

    def python_values(self, values: np.ndarray) -> list[Any]:
        """Plain Python numbers (``int`` for an integer range) for overrides and tables."""
        return [int(v) for v in values] if self.integer else [float(v) for v in values]


def unit_sample(design: Literal["lhs", "sobol"], dims: int, points: int, seed: int) -> np.ndarray:
    """``points`` × ``dims`` samples in the unit cube; the same arguments give the same array.

    Raises:
        ValueError: a Sobol' design whose ``points`` is not a power of 2.
    """
    if design == "sobol":
        if points & (points - 1):
            raise ValueError(
                f"points: {points} must be a power of 2 for design sobol "
                "(the balance of a Sobol' sequence holds for 2^m points)"
            )
        sampler: qmc.QMCEngine = qmc.Sobol(d=dims, scramble=True, rng=np.random.default_rng(seed))
        return sampler.random_base2(int(math.log2(points)))
    return qmc.LatinHypercube(d=dims, rng=np.random.default_rng(seed)).random(points)


def sampled_points(
    design: Literal["lhs", "sobol"],
    parameters: dict[str, ParameterRange],
    points: int,
    seed: int,
) -> list[dict[str, Any]]:
    """The design's points as ``{key: value}`` dicts, in the sampler's order."""
    unit = unit_sample(design, len(parameters), points, seed)
    return points_from_unit(parameters, unit)


def points_from_unit(
    parameters: dict[str, ParameterRange], unit: np.ndarray
) -> list[dict[str, Any]]:
    """Rows of a unit-cube sample (one column per parameter, in order) mapped to their ranges."""
    columns = {
        key: rng.python_values(rng.from_unit(unit[:, i]))
        for i, (key, rng) in enumerate(parameters.items())
    }
    return [{key: columns[key][row] for key in parameters} for row in range(unit.shape[0])]
