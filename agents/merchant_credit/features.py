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
    """The last ``window`` days (fewer early on) of ``buffer`` for merchants ``idx``, most recent
    first, in the buffer's float32 (sums are taken in float64 by :func:`_sums`)."""
    n_days = min(window, days_run, buffer.shape[0])
    slots = (days_run - 1 - np.arange(n_days)) % buffer.shape[0]
    return buffer[np.ix_(slots, idx)]


def _sums(days: np.ndarray) -> np.ndarray:
    """Float64 column sums of float32 ``days``: the same float sums as
    ``days.astype(float).sum(axis=0)`` (one pass, no float64 copy)."""
    return np.add.reduce(days, axis=0, dtype=np.float64)


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
    # Each figure is the one numpy's mean/std/nanmean of the float64 window give (sums over the
    # days in the same order), from one float32 gather per signal and fewer passes over it.
    window = pop.history_days
    sales = _recent(pop.sales, days_run, window, idx)
    days = max(sales.shape[0], 1)
    total = _sums(sales)
    sales_90 = total * window / days
    sales_30 = _sums(sales[:WINDOW_DAYS]) * WINDOW_DAYS / min(days, WINDOW_DAYS)
    refunds = _sums(_recent(pop.refunds, days_run, window, idx))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_daily = total / sales.shape[0] if sales.size else np.zeros(idx.size)
        deviation = sales - mean_daily  # float64 (days x merchants), as numpy's std
        np.multiply(deviation, deviation, out=deviation)
        std = np.sqrt(np.add.reduce(deviation, axis=0) / sales.shape[0])
        del deviation, sales
        cv = np.where(mean_daily > 0, std / mean_daily, 0.0)
        refund_rate = np.where(sales_90 > 0, refunds * window / days / sales_90, 0.0)
        growth = np.where(sales_90 > 0, sales_30 * window / WINDOW_DAYS / sales_90 - 1, -1.0)
        rating = _nanmean(_recent(pop.rating, days_run, window, idx))
        turnover_days = _recent(pop.turnover, days_run, window, idx)
        turnover = _sums(turnover_days) / turnover_days.shape[0]
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


def _nanmean(days: np.ndarray) -> np.ndarray:
    """``np.nanmean(days.astype(float), axis=0)`` (NaN where a column has no value), in place on
    the gathered float32 ``days``."""
    missing = np.isnan(days)
    count = np.add.reduce(~missing, axis=0, dtype=np.intp)
    days[missing] = 0.0
    return _sums(days) / count


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
