"""What the bank can observe about merchants: platform data (with consent) or branch data.

Platform features are computed from the observable ring buffers only — sales, refunds,
ratings, inventory turnover, tenure, category, region — never from latent health or cash.
Branch features are the appraised property (moved by the property index), the mortgage already
on it and the last annual statements.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.population import WINDOW_DAYS, MerchantDrivers


def _recent(buffer: np.ndarray, days_run: int, window: int, idx: np.ndarray) -> np.ndarray:
    """The last ``window`` days (fewer early on) of ``buffer`` for merchants ``idx``."""
    n_days = min(window, days_run, buffer.shape[0])
    slots = (days_run - 1 - np.arange(n_days)) % buffer.shape[0]
    return buffer[np.ix_(slots, idx)].astype(float)


def platform_features(
    pop: MerchantPopulation, idx: np.ndarray, day: int, categories: list[str], regions: list[str]
) -> pd.DataFrame:
    """Observable platform features of merchants ``idx`` (one row each, in ``idx`` order)."""
    window = pop.history_days
    sales = _recent(pop.sales, pop.days_run, window, idx)
    days = max(sales.shape[0], 1)
    sales_90 = sales.sum(axis=0) * window / days
    sales_30 = sales[:WINDOW_DAYS].sum(axis=0) * WINDOW_DAYS / min(days, WINDOW_DAYS)
    refunds = _recent(pop.refunds, pop.days_run, window, idx).sum(axis=0)
    mean_daily = sales.mean(axis=0) if sales.size else np.zeros(idx.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(mean_daily > 0, sales.std(axis=0) / mean_daily, 0.0)
        refund_rate = np.where(sales_90 > 0, refunds * window / days / sales_90, 0.0)
        growth = np.where(sales_90 > 0, sales_30 * window / WINDOW_DAYS / sales_90 - 1, -1.0)
        rating = np.nanmean(_recent(pop.rating, pop.days_run, window, idx), axis=0)
    turnover = _recent(pop.turnover, pop.days_run, window, idx).mean(axis=0)
    t = pop.traits
    return pd.DataFrame(
        {
            "log_sales_30d": np.log1p(sales_30),
            "log_sales_90d": np.log1p(sales_90),
            "sales_growth": growth,
            "sales_cv_90d": cv,
            "rating_90d": np.nan_to_num(rating, nan=0.0),
            "refund_rate_90d": refund_rate,
            "inventory_turnover": turnover,
            "orders_per_day": sales_90 / window / t.avg_ticket_cny[idx],
            "tenure_months": pop.tenure_months(day)[idx],
            "category": np.asarray(categories, dtype=object)[t.category[idx]],
            "region": np.asarray(regions, dtype=object)[t.region[idx]],
        }
    )


def branch_features(
    pop: MerchantPopulation, idx: np.ndarray, day: int, drivers: MerchantDrivers
) -> pd.DataFrame:
    """Property appraisal (today's index), prior mortgage and last statements of ``idx``."""
    t = pop.traits
    index = drivers.property_index[drivers.row(day)][t.region[idx]]
    return pd.DataFrame(
        {
            "collateral_value_cny": t.collateral_value_cny[idx] * index,
            "prior_lien_cny": t.mortgage_cny[idx],
            "has_statements": t.has_statements[idx],
            "statement_revenue_cny": t.statement_revenue_cny[idx],
            "statement_margin": t.statement_margin[idx],
        }
    )
