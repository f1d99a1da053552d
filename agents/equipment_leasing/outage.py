"""Sensor outage and telemetry loss (case 3): which devices' telematics units are dark today.

Each ``shocks.sensor_outage`` window darkens a fixed share of the fleet for its days. The devices
are drawn once per window from the case's seed tree (stream ``sensor_outage/<window>``), so they
are the same in every mode and every adapter, and a window never shifts another random stream.
A dark device's sensors keep counting (the machine works or idles as before), but its readings
are never sent: the monitor sees nothing of it and raises no alert on it, so the bank's actions
that wait for alerts (dealer calls and redeployment, the geofence lock, the misuse block on
restructuring) do not happen for it. When the window ends the device reports again, with its
counters where the machine has taken them; an idle spell that is still running then alerts.
The filter works on the batches the model submits, so the in-memory fake and the broker see the
same ticks with the same batches missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from agents.equipment_leasing.schema import SensorOutage
from products.telemetry.schema import ReadingBatch
from sim.kernel.rng import SeedTree


def dark_devices(window: SensorOutage, devices: int, seeds: SeedTree, k: int) -> np.ndarray:
    """The slots dark in outage window ``k``: ``round(share x devices)`` (at least one) of them.

    Args:
        window: the outage window (its magnitude is the share of devices).
        devices: fleet size.
        seeds: the case's seed tree.
        k: the window's position in ``shocks.sensor_outage``.
    """
    count = min(devices, max(1, round(window.magnitude * devices)))
    chosen = seeds.generator("sensor_outage", str(k)).permutation(devices)[:count]
    mask = np.zeros(devices, dtype=bool)
    mask[chosen] = True
    return mask


class SensorOutages:
    """The fleet's outage windows and the devices each one darkens.

    Args:
        windows: ``shocks.sensor_outage`` of the case config.
        device_ids: the fleet's device ids, by slot.
        seeds: the case's seed tree (not a mode's: the same devices go dark in every mode).
        telemetry: whether the mode reports by telemetry; site inspections see every machine, so
            without telemetry nothing is ever dark.
    """

    def __init__(
        self,
        windows: Sequence[SensorOutage],
        device_ids: Sequence[str],
        seeds: SeedTree,
        telemetry: bool,
    ) -> None:
        n = len(device_ids)
        self.windows = tuple(windows) if telemetry else ()
        self.masks = [dark_devices(w, n, seeds, k) for k, w in enumerate(self.windows)]
        self.device_ids = tuple(device_ids)
        self.dropped_batches = 0

    def dark(self, day: int) -> np.ndarray:
        """Boolean mask by slot: the devices whose readings are not sent on sim ``day``."""
        mask = np.zeros(len(self.device_ids), dtype=bool)
        for window, dark in zip(self.windows, self.masks, strict=True):
            if window.active(day):
                mask |= dark
        return mask

    def dark_ids(self, day: int) -> frozenset[str]:
        """The ids of the devices dark on sim ``day``."""
        if not any(w.active(day) for w in self.windows):
            return frozenset()
        return frozenset(self.device_ids[i] for i in np.flatnonzero(self.dark(day)))

    def reaching(self, day: int, batches: Iterable[ReadingBatch]) -> Iterator[ReadingBatch]:
        """The batches of ``day`` that are sent: those of devices not dark (counts the rest)."""
        dark = self.dark_ids(day)
        for batch in batches:
            if batch.device_id in dark:
                self.dropped_batches += 1
            else:
                yield batch
