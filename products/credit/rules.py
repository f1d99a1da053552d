"""Traditional lending rule: collateral appraisal plus the last financial statements.

This is the counterfactual to the data-driven model. It sees only what a branch sees —
the appraised value of the merchant's property (moved by the property-price index), the
charges already on it and the merchant's last annual statements. The secured line is the
combined-LTV rule: ``ltv`` x appraised value less the prior liens; a merchant can pledge
(is secured) when that is positive. The rule grades the applicant:

* ``A`` secured, statements show at least ``min_margin``  -> ``pd_grade[0]``
* ``B`` secured, no qualifying statements                 -> ``pd_grade[1]``
* ``C`` unsecured, statements show at least ``unsecured_min_margin`` -> ``pd_grade[2]``
* ``D`` anything else (declined)                          -> ``pd_grade[3]``

The PD per grade is the bank's *assumption*, not a fitted quantity; the twin measures how
well the grades actually rank realised defaults.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from products.credit.port import COLLATERAL_FEATURES, require_columns
from sim.kernel.schema import Frozen

GRADES: tuple[str, ...] = ("A", "B", "C", "D")


class CollateralRule(Frozen):
    """Grade, PD and limit from collateral and statements (the case schema's ``traditional``
    section is one).

    Attributes:
        ltv: combined loan-to-value: all charges on the property, prior liens included, stay
            within this share of its appraised value.
        revenue_share: cap on a secured limit as a share of statement revenue.
        min_margin: statement net margin needed for grade A.
        unsecured_min_margin: statement net margin needed for an unsecured (grade C) line.
        unsecured_revenue_share: unsecured limit as a share of statement revenue.
        pd_grade: assumed PD of grades A, B, C, D.
    """

    ltv: float = Field(default=0.6, gt=0, le=1)
    revenue_share: float = Field(default=0.3, gt=0, le=2)
    min_margin: float = Field(default=0.03, ge=-1, le=1)
    unsecured_min_margin: float = Field(default=0.08, ge=-1, le=1)
    unsecured_revenue_share: float = Field(default=0.1, ge=0, le=2)
    pd_grade: tuple[float, float, float, float] = (0.01, 0.02, 0.04, 0.2)

    @property
    def feature_names(self) -> tuple[str, ...]:
        return COLLATERAL_FEATURES

    def grade(self, features: pd.DataFrame) -> np.ndarray:
        """Grade index per row: 0=A, 1=B, 2=C, 3=D."""
        require_columns(features, self.feature_names, "CollateralRule")
        secured = self.secured_line_cny(features) > 0
        statements = features["has_statements"].to_numpy(dtype=bool)
        margin = features["statement_margin"].to_numpy(dtype=float)
        grade = np.full(len(features), 3, dtype=np.int8)
        grade[statements & (margin >= self.unsecured_min_margin)] = 2
        grade[secured] = 1
        grade[secured & statements & (margin >= self.min_margin)] = 0
        return grade

    def score(self, features: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.pd_grade, dtype=float)[self.grade(features)]

    def secured_line_cny(self, features: pd.DataFrame) -> np.ndarray:
        """``ltv`` x appraised value - prior liens, at least 0 (the pledgeable line)."""
        value = features["collateral_value_cny"].to_numpy(dtype=float)
        lien = features["prior_lien_cny"].to_numpy(dtype=float)
        return np.maximum(self.ltv * value - lien, 0.0)

    def limit_cny(self, features: pd.DataFrame) -> np.ndarray:
        """Line the rule would grant per row (0 for grade D)."""
        grade = self.grade(features)
        statements = features["has_statements"].to_numpy(dtype=bool)
        revenue = np.where(statements, features["statement_revenue_cny"].to_numpy(dtype=float), 0)
        secured_line = self.secured_line_cny(features)
        capped = np.where(
            statements, np.minimum(secured_line, self.revenue_share * revenue), secured_line
        )
        limit = np.where(grade <= 1, capped, 0.0)
        return np.where(grade == 2, self.unsecured_revenue_share * revenue, limit)
