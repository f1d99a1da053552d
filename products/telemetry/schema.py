"""Telemetry payloads: one batch of hourly readings per device per send window.

Field names follow the spirit of ISO 15143-3 (AEMP 2.0 telematics): cumulative operating hours,
cumulative idle hours, cumulative fuel used, location, engine status and fault codes. A batch is
columnar (one array per field) so that a day's 24 readings travel as one MQTT message and decode
into numpy arrays without a per-reading Python loop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: On the wire every array is an integer array in a fixed unit (integers encode and parse ~5x
#: faster than floats in JSON): wire name → (batch field, scale from the wire unit).
WIRE_FIELDS = {
    "t_hours": ("t_hours", 1),
    "lat_udeg": ("lat", 1_000_000),
    "lon_udeg": ("lon", 1_000_000),
    "operating_mhours": ("operating_hours", 1000),
    "idle_mhours": ("idle_hours", 1000),
    "fuel_used_ml": ("fuel_used_litres", 1000),
    "engine_on": ("engine_on", 1),
}
_SCALES = np.array([scale for _, scale in WIRE_FIELDS.values()], dtype=np.float64)[:, None]


class PayloadError(ValueError):
    """A payload is not a valid telemetry batch; ``reason`` is the counter it goes to."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, eq=False)
class ReadingBatch:
    """Hourly readings of one device for one send window (tick).

    Attributes:
        device_id: the equipment's id (also its MQTT username and topic segment).
        tick: the send window this batch belongs to (the tick barrier counts batches per tick).
        t_hours: sim time of each reading, hours since scenario start.
        lat: latitude in degrees.
        lon: longitude in degrees.
        operating_hours: cumulative engine hours (AEMP CumulativeOperatingHours).
        idle_hours: cumulative idle engine hours (AEMP CumulativeIdleHours).
        fuel_used_litres: cumulative fuel used (AEMP FuelUsed).
        engine_on: engine status at the reading (1 on, 0 off).
        faults: ``(reading index, fault code)`` pairs of the fault codes active at a reading.
    """

    device_id: str
    tick: int
    t_hours: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    operating_hours: np.ndarray
    idle_hours: np.ndarray
    fuel_used_litres: np.ndarray
    engine_on: np.ndarray
    faults: tuple[tuple[int, str], ...] = field(default=())

    def __len__(self) -> int:
        return int(self.t_hours.shape[0])

    @property
    def productive_hours(self) -> np.ndarray:
        """Cumulative productive hours (engine hours not idling)."""
        return self.operating_hours - self.idle_hours

    def to_payload(self) -> bytes:
        """The JSON bytes a sensor publishes (integer arrays in the wire units)."""
        columns = np.stack([getattr(self, name) for name, _ in WIRE_FIELDS.values()])
        wire = np.rint(columns * _SCALES).astype(np.int64).tolist()
        body: dict[str, Any] = {"device_id": self.device_id, "tick": self.tick}
        body.update(zip(WIRE_FIELDS, wire, strict=True))
        body["faults"] = [list(item) for item in self.faults]
        return json.dumps(body, separators=(",", ":")).encode()


def decode_payload(payload: bytes, max_bytes: int) -> ReadingBatch:
    """Parse and check a sensor payload.

    Raises:
        PayloadError: oversized, not JSON, or not a well-formed batch (``reason`` says which).
    """
    if len(payload) > max_bytes:
        raise PayloadError("oversized", f"payload of {len(payload)} bytes exceeds {max_bytes}")
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError("malformed_json", f"payload is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise PayloadError("bad_schema", "payload must be a JSON object")
    return _batch_from_body(body)


def _batch_from_body(body: dict[str, Any]) -> ReadingBatch:
    device_id, tick = body.get("device_id"), body.get("tick")
    if not isinstance(device_id, str) or not device_id:
        raise PayloadError("bad_schema", f"device_id: {device_id!r} must be a non-empty string")
    if not isinstance(tick, int) or isinstance(tick, bool) or tick < 0:
        raise PayloadError("bad_schema", f"tick: {tick!r} must be an integer >= 0")
    arrays = {name: _wire_array(body, wire) / scale for wire, (name, scale) in WIRE_FIELDS.items()}
    lengths = {arr.shape[0] for arr in arrays.values()}
    if len(lengths) != 1 or 0 in lengths:
        raise PayloadError(
            "bad_schema", f"reading arrays must share one non-zero length: {lengths}"
        )
    faults = _faults(body.get("faults", []), lengths.pop())
    return ReadingBatch(device_id=device_id, tick=tick, faults=faults, **arrays)


def _wire_array(body: dict[str, Any], name: str) -> np.ndarray:
    values = body.get(name)
    if not isinstance(values, list):
        raise PayloadError("bad_schema", f"{name}: must be a list of integers")
    try:
        arr = np.asarray(values)
    except ValueError:
        raise PayloadError("bad_schema", f"{name}: must be a flat list of integers") from None
    if arr.ndim != 1 or arr.dtype.kind != "i":
        raise PayloadError("bad_schema", f"{name}: must be a flat list of integers")
    return arr


def _faults(raw: Any, length: int) -> tuple[tuple[int, str], ...]:
    if not isinstance(raw, list):
        raise PayloadError("bad_schema", "faults: must be a list of [index, code] pairs")
    pairs = []
    for item in raw:
        ok = isinstance(item, list) and len(item) == 2 and isinstance(item[1], str)
        if not ok or not isinstance(item[0], int) or not 0 <= item[0] < length:
            raise PayloadError("bad_schema", f"faults: {item!r} must be [index < {length}, code]")
        pairs.append((item[0], item[1]))
    return tuple(pairs)
