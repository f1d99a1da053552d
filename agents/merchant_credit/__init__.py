"""Case 2 — platform merchants and the bank's data-driven revolving credit (agent floor).

``schema`` (the whole case schema), ``events`` (typed events), ``population`` (traits and
exogenous drivers), ``merchants`` (trading, failure and the merchants' borrowing, drawing and
repaying), ``features`` (what the bank can observe), ``desk`` (the bank's scoring, decisions,
re-rating and defaults) and ``model`` (:class:`MerchantCreditModel`, one mode on the clock).
"""

from agents.merchant_credit.desk import LendingDesk
from agents.merchant_credit.merchants import MerchantPopulation
from agents.merchant_credit.model import MerchantCreditModel, book_state
from agents.merchant_credit.population import (
    MerchantDrivers,
    MerchantTraits,
    build_drivers,
    generate_traits,
)
from agents.merchant_credit.schema import MerchantCreditConfig

__all__ = [
    "LendingDesk",
    "MerchantCreditConfig",
    "MerchantCreditModel",
    "MerchantDrivers",
    "MerchantPopulation",
    "MerchantTraits",
    "book_state",
    "build_drivers",
    "generate_traits",
]
