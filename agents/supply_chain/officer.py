"""The traditional bank's credit officers: manual review queue, own-credit pricing."""

from __future__ import annotations

import numpy as np

from agents.supply_chain.actors import Supplier
from products.ledger import Op, ReceivableState, Review, Terms
from sim.config.supply_chain import BankConfig


class CreditOfficers:
    """Reviews paper financing applications (implements ``products.ledger.paper.Reviewer``).

    Each application waits a gamma-distributed review time (mean ``review_mean_days``), is
    approved with the applicant tier's probability and is priced at the supplier's own rate.

    Args:
        cfg: bank configuration.
        suppliers: applicant lookup by ledger address.
        rng: the review stream.
    """

    def __init__(
        self, cfg: BankConfig, suppliers: dict[str, Supplier], rng: np.random.Generator
    ) -> None:
        self.cfg = cfg
        self.suppliers = suppliers
        self.rng = rng

    def review(self, op: Op, token: ReceivableState) -> Review:
        """Decision, delay and price for one application."""
        cfg = self.cfg
        scale = cfg.review_mean_days * 24 / cfg.review_shape
        delay_hours = (
            float(self.rng.gamma(cfg.review_shape, scale)) if cfg.review_mean_days > 0 else 0.0
        )
        u = float(self.rng.random())
        applicant = self.suppliers.get(op.sender)
        if applicant is None:  # not a supplier we know: documents look fine, priced as tier 1
            return Review(
                u < cfg.tier1_approval,
                delay_hours,
                Terms(cfg.own_rate_bps_max, cfg.fee_bps, cfg.advance_cap_bps),
            )
        approval = cfg.tier1_approval if applicant.tier == 1 else cfg.tier2_approval
        terms = Terms(applicant.own_rate_bps, cfg.fee_bps, cfg.advance_cap_bps)
        return Review(u < approval, delay_hours, terms)
