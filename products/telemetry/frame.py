"""A tick's batches as one columnar table, so the monitor's rules run once per tick.

Batches of one tick with the same number of readings are stacked, in device-id order, into a
``(columns, devices, readings)`` float64 table. Batches that arrived over the wire are still
int32 bytes (:class:`~products.telemetry.schema.WireBatch`): their bytes are joined and turned
into floats in one numpy operation per tick instead of one per message. The values are exactly
those :func:`~products.telemetry.schema.decode_payload` gives (same int32 → float64 division).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from products.telemetry.schema import WIRE_DTYPE, WIRE_FIELDS, WIRE_SCALES, ReadingBatch, WireBatch

Item = ReadingBatch | WireBatch
FIELD_INDEX = {name: k for k, (name, _) in enumerate(WIRE_FIELDS.values())}
_FRAME_SCALES = WIRE_SCALES[:, :, None]  # (columns, 1, 1)


@dataclass(frozen=True, eq=False)
class TickFrame:
    """Batches of one tick that share a reading count, stacked by device.

    Attributes:
        device_ids: the devices, sorted.
        table: ``(columns, devices, readings)`` float64 in batch units, ``WIRE_FIELDS`` order.
        faults: each device's ``(reading index, fault code)`` pairs.
    """

    device_ids: list[str]
    table: np.ndarray
    faults: list[tuple[tuple[int, str], ...]]

    @property
    def readings(self) -> int:
        """Readings per device."""
        return int(self.table.shape[2])

    def __len__(self) -> int:
        return len(self.device_ids)

    def column(self, name: str) -> np.ndarray:
        """The ``(devices, readings)`` array of a :class:`ReadingBatch` field, e.g. ``lat``."""
        return self.table[FIELD_INDEX[name]]


def _length(item: Item) -> int:
    return item.readings if isinstance(item, WireBatch) else len(item)


def frames_from_items(items: Sequence[Item]) -> list[TickFrame]:
    """One frame per reading count (ascending), devices sorted within each frame."""
    groups: dict[int, list[Item]] = {}
    for item in sorted(items, key=lambda i: i.device_id):
        groups.setdefault(_length(item), []).append(item)
    return [_frame(groups[length], length) for length in sorted(groups)]


def _frame(group: list[Item], length: int) -> TickFrame:
    wires = [item for item in group if isinstance(item, WireBatch)]
    if len(wires) == len(group):
        joined = b"".join(wire.data for wire in wires)
        ints = np.frombuffer(joined, dtype=WIRE_DTYPE).reshape(len(group), len(FIELD_INDEX), length)
        table = np.divide(ints.transpose(1, 0, 2), _FRAME_SCALES)
    else:
        table = np.stack([_table(item) for item in group], axis=1)
    return TickFrame([i.device_id for i in group], table, [i.faults for i in group])


def _table(item: Item) -> np.ndarray:
    if isinstance(item, WireBatch):
        return item.table()
    return np.array([getattr(item, name) for name in FIELD_INDEX], dtype=np.float64)
