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


#: Merchants per block of feature computation: bounds the (window x block) float64 temporaries
#: (≈ 50 MB at a 90-day window) whatever the population size.
FEATURE_BLOCK = 65_536


def platform_features(
    pop: MerchantPopulation,
    idx: np.ndarray,
    day: int,
    categories: list[str],
    regions: list[str],
    days_run: int | None = None,
) -> pd.DataFrame:
    """Observable platform features of merchants ``idx`` (one row each, in ``idx`` order).

    Computed in blocks of :data:`FEATURE_BLOCK` merchants; each row depends on its merchant only
    (a block of one merchant sums its window in another float order, so callers score at least
    two merchants at a time when they want the batch's exact figures).

    Args:
        pop: the merchants.
        idx: merchant indices.
        day: sim day of the snapshot (tenure).
        categories: category names (the encoding's levels).
        regions: region names.
        days_run: ``pop.days_run`` on the snapshot day (default: now); at most
            ``pop.capacity - pop.history_days`` days back, which the ring buffers still hold.

    Raises:
        ValueError: ``days_run`` is in the future or older than the buffers hold.
    """
    at = pop.days_run if days_run is None else days_run
    spare = pop.capacity - pop.history_days
    if not 0 <= pop.days_run - at <= spare:
        raise ValueError(
            f"days_run: {at} must be between {pop.days_run - spare} and {pop.days_run} "
            f"(the buffers hold {spare} days beyond the window)"
        )
    parts = np.array_split(idx, max(1, -(-idx.size // FEATURE_BLOCK)))
    blocks = [_numeric_features(pop, part, at) for part in parts]
    t = pop.traits
    columns = {name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]}
    return pd.DataFrame(
        {
            **columns,
            "tenure_months": pop.tenure_months(day)[idx],
            "category": np.asarray(categories, dtype=object)[t.category[idx]],
            "region": np.asarray(regions, dtype=object)[t.region[idx]],
        }
    )


def _numeric_features(
    pop: MerchantPopulation, idx: np.ndarray, days_run: int
) -> dict[str, np.ndarray]:
    window = pop.history_days
    sales = _recent(pop.sales, days_run, window, idx)
    days = max(sales.shape[0], 1)
    sales_90 = sales.sum(axis=0) * window / days
    sales_30 = sales[:WINDOW_DAYS].sum(axis=0) * WINDOW_DAYS / min(days, WINDOW_DAYS)
    refunds = _recent(pop.refunds, days_run, window, idx).sum(axis=0)
    mean_daily = sales.mean(axis=0) if sales.size else np.zeros(idx.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(mean_daily > 0, sales.std(axis=0) / mean_daily, 0.0)
        refund_rate = np.where(sales_90 > 0, refunds * window / days / sales_90, 0.0)
        growth = np.where(sales_90 > 0, sales_30 * window / WINDOW_DAYS / sales_90 - 1, -1.0)
        rating = np.nanmean(_recent(pop.rating, days_run, window, idx), axis=0)
    del sales
    turnover = _recent(pop.turnover, days_run, window, idx).mean(axis=0)
    return {
        "log_sales_30d": np.log1p(sales_30),
        "log_sales_90d": np.log1p(sales_90),
        "sales_growth": growth,
        "sales_cv_90d": cv,
        "rating_90d": np.nan_to_num(rating, nan=0.0),
        "refund_rate_90d": refund_rate,
        "inventory_turnover": turnover,
        "orders_per_day": sales_90 / window / pop.traits.avg_ticket_cny[idx],
    }


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
