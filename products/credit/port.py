"""The scoring port: what the lending product asks of any credit-scoring implementation.

Implementations: :class:`products.credit.fake.LinearScorer` (in-memory, fixed weights),
:class:`products.credit.model.SklearnScorer` (the real scikit-learn pipeline) and
:class:`products.credit.rules.CollateralRule` (the traditional collateral/statement rule).
All are checked by one conformance suite (``tests/conformance/test_scoring_port.py``).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from sim.kernel.errors import DataError

#: Platform data a merchant can authorise the bank to see (the data-driven model's inputs).
PLATFORM_NUMERIC: tuple[str, ...] = (
    "log_sales_30d",
    "log_sales_90d",
    "sales_growth",
    "sales_cv_90d",
    "rating_90d",
    "refund_rate_90d",
    "inventory_turnover",
    "orders_per_day",
    "tenure_months",
)
PLATFORM_CATEGORICAL: tuple[str, ...] = ("category", "region")

#: What a traditional branch sees: the appraised property, the charges already on it (prior
#: liens, such as a home mortgage) and the last financial statements.
COLLATERAL_FEATURES: tuple[str, ...] = (
    "collateral_value_cny",
    "prior_lien_cny",
    "has_statements",
    "statement_revenue_cny",
    "statement_margin",
)


@runtime_checkable
class ScoringPort(Protocol):
    """Maps a frame of applicant features to probabilities of default."""

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Columns :meth:`score` reads; any other columns in the frame are ignored."""
        ...

    def score(self, features: pd.DataFrame) -> np.ndarray:
        """Return one PD in [0, 1] per row, in row order (empty frame -> empty array).

        Raises:
            DataError: a required column is missing.
        """
        ...


def require_columns(frame: pd.DataFrame, names: tuple[str, ...], who: str) -> None:
    """Raise :class:`DataError` naming every column of ``names`` that ``frame`` lacks."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise DataError(f"{who}: feature columns missing from input: {', '.join(missing)}")
