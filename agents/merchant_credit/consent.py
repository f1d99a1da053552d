"""Data-consent withdrawal (case 2): consenting merchants revoke data sharing for a window.

Each ``shocks.consent_withdrawal`` window takes a fixed share of the merchants who consent
(``population`` trait) off the data path for its days; they are drawn once per window from the
case's seed tree (stream ``consent_withdrawal/<window>``), the same merchants in every mode.

What the bank does without the data (the choice made here): the merchant falls back to what the
traditional desk sees, the appraised collateral and the statements. It is neither declined outright
nor treated as a thin file, because a bank that loses a data feed still has its branch:

* applications go through the collateral/statement rule, after the branch's decision delay
  (``traditional.decision_days``);
* an open data-driven line can no longer be re-rated from platform data; it goes to the branch's
  collateral review at the next month end (a line the rule does not support is frozen, as at any
  review) and is reviewed by the branch from then on;
* the month-end score monitoring (AUC/KS/PSI) leaves the merchant out, as it has no score.

When the window ends consent returns: the merchant is back on the data path, scored at once on
its platform data, decided at the data path's speed, and its line is re-rated monthly again.
In the traditional mode nobody is on the data path, so a withdrawal changes nothing there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agents.merchant_credit.desk import LendingDesk
from agents.merchant_credit.features import platform_features
from agents.merchant_credit.schema import ConsentWithdrawal
from sim.kernel.rng import SeedTree

#: ``next_review`` of a line the branch does not review (a data-driven line).
NOT_REVIEWED = np.iinfo(np.int64).max


def withdrawing(
    window: ConsentWithdrawal, consent: np.ndarray, seeds: SeedTree, k: int
) -> np.ndarray:
    """The merchants who withdraw in window ``k``: ``round(share x consenting)``, at least one.

    Args:
        window: the withdrawal window (its magnitude is the share of consenting merchants).
        consent: who consents to data sharing (the population trait).
        seeds: the case's seed tree.
        k: the window's position in ``shocks.consent_withdrawal``.
    """
    consenting = np.flatnonzero(consent)
    mask = np.zeros(consent.size, dtype=bool)
    if consenting.size == 0:
        return mask
    count = min(consenting.size, max(1, round(window.magnitude * consenting.size)))
    order = seeds.generator("consent_withdrawal", str(k)).permutation(consenting.size)
    mask[consenting[order[:count]]] = True
    return mask


class ConsentShocks:
    """Who has withdrawn consent on each day, applied to the desk's data path.

    Args:
        windows: ``shocks.consent_withdrawal`` of the case config.
        consent: who consents (the population trait; the same in every mode).
        seeds: the case's seed tree.
    """

    def __init__(
        self, windows: Sequence[ConsentWithdrawal], consent: np.ndarray, seeds: SeedTree
    ) -> None:
        self.windows = tuple(windows)
        self.masks = [withdrawing(w, consent, seeds, k) for k, w in enumerate(self.windows)]
        self.withdrawn = np.zeros(consent.size, dtype=bool)

    def withdrawn_on(self, day: int) -> np.ndarray:
        """Boolean mask: the merchants whose consent is withdrawn on sim ``day``."""
        mask = np.zeros(self.withdrawn.size, dtype=bool)
        for window, chosen in zip(self.windows, self.masks, strict=True):
            if window.active(day):
                mask |= chosen
        return mask

    def update(self, day: int, desk: LendingDesk) -> None:
        """Move today's withdrawals off the desk's data path and today's returns back on."""
        if not self.windows:
            return
        today = self.withdrawn_on(day)
        leaving, returning = today & ~self.withdrawn, self.withdrawn & ~today
        self.withdrawn = today
        if desk.mode != "innovated":
            return
        self._leave(day, desk, np.flatnonzero(leaving & desk.data_path))
        self._return(day, desk, np.flatnonzero(returning))

    @staticmethod
    def _leave(day: int, desk: LendingDesk, idx: np.ndarray) -> None:
        desk.data_path[idx] = False
        desk.decision_days[idx] = desk.cfg.traditional.decision_days
        desk.data_pd[idx] = np.nan
        lines = idx[desk.book.live[idx]]
        desk.next_review[lines] = day

    @staticmethod
    def _return(day: int, desk: LendingDesk, idx: np.ndarray) -> None:
        desk.data_path[idx] = True
        desk.decision_days[idx] = desk.cfg.innovated.decision_days
        desk.next_review[idx] = NOT_REVIEWED
        alive = idx[desk.pop.alive[idx]]
        if alive.size:
            features = platform_features(desk.pop, alive, day, *desk.names)
            desk.data_pd[alive] = desk.scorer.score(features)
