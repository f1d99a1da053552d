"""In-memory scoring fake: a fixed logistic formula over platform features, no sklearn.

Used by fast unit tests and by scenarios that set ``merchant_credit.scoring.adapter: fake``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from products.credit.port import require_columns

#: Signs follow the twin's economics: healthy merchants sell more, grow, rate well, refund less.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "sales_growth": -1.5,
    "sales_cv_90d": 1.0,
    "rating_90d": -1.2,
    "refund_rate_90d": 8.0,
    "inventory_turnover": -0.08,
    "tenure_months": -0.01,
}


class LinearScorer:
    """PD = logistic(intercept + sum(weight * feature)).

    Args:
        weights: feature name -> coefficient.
        intercept: log-odds at all-zero features.
    """

    def __init__(self, weights: Mapping[str, float] | None = None, intercept: float = 2.5) -> None:
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        self.intercept = intercept

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(self.weights)

    def score(self, features: pd.DataFrame) -> np.ndarray:
        require_columns(features, self.feature_names, "LinearScorer")
        # Column by column, not a matrix product: each row's PD then depends on that row only
        # (BLAS rounds a row differently by its place in the block), so scoring merchants in
        # any grouping gives the same figures.
        logit = np.full(len(features), float(self.intercept))
        for name, weight in self.weights.items():
            logit += weight * features[name].to_numpy(dtype=float)
        return 1.0 / (1.0 + np.exp(-np.nan_to_num(logit)))
