"""Telemetry payloads: one batch of hourly readings per device per send window.

Field names follow the spirit of ISO 15143-3 (AEMP 2.0 telematics): cumulative operating hours,
cumulative idle hours, cumulative fuel used, location, engine status and fault codes. A batch is
a JSON object whose readings are columnar: ``columns`` names the fields with their wire units
and ``data`` holds the columns as base64 little-endian int32 in those units, so that a day's 24
readings travel as one MQTT message and decode into numpy arrays without a per-reading loop
(JSON number lists cost ~5x more to encode and parse; measured in the benchmark).

    {"device_id": "EQ00007", "tick": 41, "readings": 24,
     "columns": ["t_hours", "lat_udeg", "lon_udeg", "operating_mhours", "idle_mhours",
                 "fuel_used_ml", "engine_on"],
     "data": "<base64>", "faults": [[9, "E205"], [10, "E205"]]}
"""

from __future__ import annotations

import binascii
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import orjson
import pybase64

#: Wire column name (with its unit) → (batch field, scale from the batch unit to the wire unit).
WIRE_FIELDS = {
    "t_hours": ("t_hours", 1),
    "lat_udeg": ("lat", 1_000_000),
    "lon_udeg": ("lon", 1_000_000),
    "operating_mhours": ("operating_hours", 1000),
    "idle_mhours": ("idle_hours", 1000),
    "fuel_used_ml": ("fuel_used_litres", 1000),
    "engine_on": ("engine_on", 1),
}
WIRE_SCALES = np.array([scale for _, scale in WIRE_FIELDS.values()], dtype=np.float64)[:, None]
WIRE_COLUMNS = list(WIRE_FIELDS)
_COLUMNS_JSON = json.dumps(WIRE_COLUMNS, separators=(",", ":"))
_PAYLOAD_TEMPLATE = (
    b'{"device_id":%s,"tick":%d,"readings":%d,"columns":'
    + _COLUMNS_JSON.encode()
    + b',"data":"%s","faults":%s}'
)
WIRE_DTYPE = np.dtype("<i4")
_INT32_MAX = np.iinfo(np.int32).max
MAX_READINGS = 10_000


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
        """The JSON bytes a sensor publishes.

        Raises:
            ValueError: a value does not fit the wire's int32 in its unit.
        """
        return encode_payloads([self])[0]

    def columns(self) -> tuple[np.ndarray, ...]:
        """The arrays in wire column order (``WIRE_FIELDS``)."""
        return (
            self.t_hours,
            self.lat,
            self.lon,
            self.operating_hours,
            self.idle_hours,
            self.fuel_used_litres,
            self.engine_on,
        )


def encode_payloads(batches: Sequence[ReadingBatch]) -> list[bytes]:
    """The JSON bytes each batch's sensor publishes (``to_payload`` of each, in order).

    Batches with the same number of readings are scaled, rounded and range-checked as one
    ``(batches, columns, readings)`` array; only base64 and the JSON text are per batch.

    Raises:
        ValueError: a value does not fit the wire's int32 in its unit.
    """
    payloads = [b""] * len(batches)
    groups: dict[int, list[int]] = {}
    for k, batch in enumerate(batches):
        groups.setdefault(len(batch), []).append(k)
    for readings, indices in groups.items():
        group = [batches[k] for k in indices]
        wire = _wire_ints(group).reshape(-1).view(np.uint8).data  # one buffer, sliced per batch
        size = len(wire) // len(group)
        for j, (k, batch) in enumerate(zip(indices, group, strict=True)):
            payloads[k] = _payload(batch, readings, wire[j * size : (j + 1) * size])
    return payloads


def _wire_ints(group: list[ReadingBatch]) -> np.ndarray:
    """``(batches, columns, readings)`` int32 in wire units; refuses out-of-range and NaN."""
    wire = np.rint(np.array([b.columns() for b in group], dtype=np.float64) * WIRE_SCALES)
    fits = (np.abs(wire) <= _INT32_MAX).reshape(len(group), -1).all(axis=1)  # NaN fails too
    if not fits.all():
        culprit = group[int(np.argmin(fits))].device_id
        raise ValueError(f"{culprit}: a reading exceeds the int32 wire range")
    return wire.astype(WIRE_DTYPE)


@functools.lru_cache(maxsize=1 << 16)
def _json_string(text: str) -> bytes:
    """``text`` as a JSON string literal (device ids repeat every tick)."""
    return json.dumps(text).encode()


def _payload(batch: ReadingBatch, readings: int, wire: memoryview) -> bytes:
    faults = json.dumps([list(item) for item in batch.faults]) if batch.faults else "[]"
    return _PAYLOAD_TEMPLATE % (
        _json_string(batch.device_id),
        int(batch.tick),
        readings,
        pybase64.b64encode(wire),
        faults.encode(),
    )


class WireBatch(NamedTuple):
    """A validated payload whose columns are still the wire's little-endian int32 bytes.

    Intake keeps batches in this form until the tick closes, so that a whole tick's columns
    become floats in one numpy operation (:func:`products.telemetry.frame.frames_from_items`).
    """

    device_id: str
    tick: int
    readings: int
    data: bytes
    faults: tuple[tuple[int, str], ...]

    def table(self) -> np.ndarray:
        """The ``(columns, readings)`` float64 table in batch units (``WIRE_FIELDS`` order)."""
        ints = np.frombuffer(self.data, dtype=WIRE_DTYPE).reshape(len(WIRE_COLUMNS), self.readings)
        return np.divide(ints, WIRE_SCALES)

    def to_batch(self) -> ReadingBatch:
        """The decoded :class:`ReadingBatch`."""
        table = self.table()
        arrays = {name: table[k] for k, (name, _) in enumerate(WIRE_FIELDS.values())}
        return ReadingBatch(device_id=self.device_id, tick=self.tick, faults=self.faults, **arrays)


def decode_payload(payload: bytes, max_bytes: int) -> ReadingBatch:
    """Parse and check a sensor payload.

    Raises:
        PayloadError: oversized, not JSON, or not a well-formed batch (``reason`` says which).
    """
    return decode_wire(payload, max_bytes).to_batch()


def decode_wire(payload: bytes, max_bytes: int) -> WireBatch:
    """Parse and check a sensor payload, leaving the columns as wire bytes.

    Raises:
        PayloadError: oversized, not JSON, or not a well-formed batch (``reason`` says which).
    """
    if len(payload) > max_bytes:
        raise PayloadError("oversized", f"payload of {len(payload)} bytes exceeds {max_bytes}")
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise PayloadError("malformed_json", f"payload is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise PayloadError("bad_schema", "payload must be a JSON object")
    return _wire_from_body(body)


def _wire_from_body(body: dict[str, Any]) -> WireBatch:
    device_id, tick = body.get("device_id"), body.get("tick")
    if not isinstance(device_id, str) or not device_id:
        raise PayloadError("bad_schema", f"device_id: {device_id!r} must be a non-empty string")
    if not isinstance(tick, int) or isinstance(tick, bool) or tick < 0:
        raise PayloadError("bad_schema", f"tick: {tick!r} must be an integer >= 0")
    length = body.get("readings")
    if not isinstance(length, int) or isinstance(length, bool) or not 0 < length <= MAX_READINGS:
        raise PayloadError("bad_schema", f"readings: {length!r} must be 1..{MAX_READINGS}")
    if body.get("columns") != WIRE_COLUMNS:
        raise PayloadError("bad_schema", f"columns: {body.get('columns')!r} must be {WIRE_COLUMNS}")
    data = _column_bytes(body.get("data"), length)
    return WireBatch(device_id, tick, length, data, _faults(body.get("faults", []), length))


def _column_bytes(data: Any, length: int) -> bytes:
    if not isinstance(data, str):
        raise PayloadError("bad_schema", "data: must be a base64 string")
    try:
        raw = pybase64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise PayloadError("bad_schema", "data: not valid base64") from None
    expected = len(WIRE_COLUMNS) * length * WIRE_DTYPE.itemsize
    if len(raw) != expected:
        raise PayloadError("bad_schema", f"data: {len(raw)} bytes, expected {expected}")
    return raw


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


#: First byte of an MQTT PUBLISH at QoS 0 without DUP, without and with RETAIN.
PUBLISH_QOS0, PUBLISH_QOS0_RETAIN = 0x30, 0x31


def publish_packet(topic: bytes, payload: bytes | bytearray) -> bytes:
    """The MQTT 3.1.1 QoS 0 PUBLISH of ``payload`` to ``topic`` without DUP and RETAIN: the
    bytes paho writes and amqtt's ``PublishPacket.build(...).to_bytes()`` gives (tested against
    both)."""
    size, length = 2 + len(topic) + len(payload), bytearray()
    while True:
        byte, size = size & 0x7F, size >> 7
        length.append(byte | 0x80 if size else byte)
        if not size:
            break
    return b"".join((bytes([PUBLISH_QOS0]), length, len(topic).to_bytes(2, "big"), topic, payload))
