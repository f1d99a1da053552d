"""DeviceMonitor rules and the telemetry payload codec, on the in-memory path."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from products.telemetry.frame import frames_from_items
from products.telemetry.monitor import DeviceMonitor
from products.telemetry.port import DeviceSpec
from products.telemetry.rules import Geofence, MonitorRules, _in_polygon
from products.telemetry.schema import (
    PayloadError,
    ReadingBatch,
    decode_payload,
    decode_wire,
    encode_payloads,
)
from products.telemetry.scripted import ScriptedDevice

FLEET = [DeviceSpec("A", 20.0)]
#: What the codec produced before its fast path (stdlib json/base64, per-message numpy).
GOLDEN_PAYLOAD = (
    b'{"device_id":"A","tick":4,"readings":3,"columns":["t_hours","lat_udeg","lon_udeg",'
    b'"operating_mhours","idle_mhours","fuel_used_ml","engine_on"],"data":"AAAAAAEAAAACAAAA4K'
    b"bgAeCm4AHgpuABUIqhBlCKoQZQiqEGKEYPABBKDwAQSg8AgBoGAGgeBgBoHgYAmGcxATh3MQE4dzEBAQAAAAEAAAAA"
    b'AAAA","faults":[[1, "E1"], [1, "E2"]]}'
)


def test_box_geofence_matches_the_seed_ranges() -> None:
    fence = Geofence.box(30.0, 40.0, 110.0, 120.0)
    lat = np.array([30.0, 35.0, 40.0, 29.99, 35.0, 41.0])
    lon = np.array([110.0, 115.0, 120.0, 115.0, 120.01, 115.0])
    assert fence.contains(lat, lon).tolist() == [True, True, True, False, False, False]


def test_concave_polygon_and_union() -> None:
    l_shape = ((0, 0), (0, 10), (5, 10), (5, 5), (10, 5), (10, 0))
    fence = Geofence((l_shape, ((20, 20), (20, 21), (21, 21))))
    lat = np.array([2.0, 8.0, 8.0, 20.5, 20.9])
    lon = np.array([8.0, 2.0, 8.0, 20.6, 20.2])
    assert fence.contains(lat, lon).tolist() == [True, True, False, True, False]


_coord = st.floats(min_value=-90, max_value=90, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    lat_ab=st.tuples(_coord, _coord).filter(lambda p: p[0] != p[1]),
    lon_ab=st.tuples(_coord, _coord).filter(lambda p: p[0] != p[1]),
    start=st.integers(min_value=0, max_value=3),
    reverse=st.booleans(),
    extra=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=2, max_size=8),
)
def test_rectangle_fast_path_equals_ray_casting(lat_ab, lon_ab, start, reverse, extra) -> None:
    (a1, a2), (b1, b2) = sorted(lat_ab), sorted(lon_ab)
    ring = [(a1, b1), (a1, b2), (a2, b2), (a2, b1)]
    ring = ring[start:] + ring[:start]
    polygon = tuple(reversed(ring) if reverse else ring)
    near = [np.nextafter(v, d) for v in (a1, a2, b1, b2) for d in (-np.inf, np.inf)]
    values = np.array([a1, a2, b1, b2, (a1 + a2) / 2, (b1 + b2) / 2, *near, *extra])
    lat, lon = (g.ravel() for g in np.meshgrid(values, values))
    with np.errstate(invalid="ignore", over="ignore"):  # the reference meets inf on purpose
        expected = _in_polygon(polygon, lat, lon)
    assert Geofence((polygon,)).contains(lat, lon).tolist() == expected.tolist()


def test_disabled_rule_stays_silent_and_fault_filter_applies() -> None:
    rules = MonitorRules(enabled=("fault",), fault_codes=("E9",))
    monitor, device = DeviceMonitor(FLEET, rules), ScriptedDevice("A")
    batch = device.batch(0, "O" * 30, faults={3: ("E1",), 4: ("E9",)}, where={0: (50.0, 50.0)})
    alerts = monitor.ingest([batch])
    assert [(a.rule, a.detail, a.t_hours) for a in alerts] == [("fault", "E9", 4.0)]


def test_fuel_rate_uses_each_devices_ceiling() -> None:
    fleet = [DeviceSpec("A", 20.0), DeviceSpec("B", 10.0)]
    monitor = DeviceMonitor(fleet, MonitorRules())
    a, b = ScriptedDevice("A"), ScriptedDevice("B")
    alerts = monitor.ingest([a.batch(0, "OWW"), b.batch(0, "OWW")])
    assert [(x.device_id, x.rule, x.t_hours, x.value) for x in alerts] == [
        ("B", "fuel_rate", 1.0, 15.0)
    ]


def test_batches_of_different_lengths_in_one_tick() -> None:
    fleet = [DeviceSpec("A", 20.0), DeviceSpec("B", 20.0)]
    monitor = DeviceMonitor(fleet, MonitorRules())
    alerts = monitor.ingest(
        [ScriptedDevice("A").batch(0, "W" + "O" * 30), ScriptedDevice("B").batch(0, "W" * 5)]
    )
    assert [(x.device_id, x.t_hours) for x in alerts] == [("A", 25.0)]


@settings(max_examples=40, deadline=None)
@given(
    script=st.text(alphabet="WIO", min_size=1, max_size=120),
    cuts=st.lists(st.integers(min_value=1, max_value=119), max_size=6),
    dpd=st.integers(min_value=0, max_value=120),
)
def test_alerts_do_not_depend_on_how_readings_are_batched(script, cuts, dpd) -> None:
    rules = MonitorRules(idle_hours=5, arrears_idle_hours=8)
    whole = DeviceMonitor(FLEET, rules)
    whole.set_payment_status("A", dpd)
    expected = whole.ingest([ScriptedDevice("A").batch(0, script, fuel={3: 40.0})])
    split = DeviceMonitor(FLEET, rules)
    split.set_payment_status("A", dpd)
    device, alerts = ScriptedDevice("A"), []
    bounds = sorted({0, len(script), *(c for c in cuts if c < len(script))})
    for tick, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        alerts += split.ingest([device.batch(tick, script[lo:hi], fuel={3: 40.0})])
    assert alerts == expected


def test_payload_round_trip() -> None:
    batch = ScriptedDevice("A").batch(4, "WIO", faults={1: ("E1", "E2")}, where={0: (31.5, 111.25)})
    back = decode_payload(batch.to_payload(), 10_000)
    assert (back.device_id, back.tick, back.faults) == ("A", 4, ((1, "E1"), (1, "E2")))
    for name in ("t_hours", "lat", "lon", "operating_hours", "idle_hours", "fuel_used_litres"):
        np.testing.assert_allclose(getattr(back, name), getattr(batch, name), atol=1e-6)


def test_payload_bytes_are_pinned() -> None:
    batch = ScriptedDevice("A").batch(4, "WIO", faults={1: ("E1", "E2")}, where={0: (31.5, 111.25)})
    assert batch.to_payload() == GOLDEN_PAYLOAD


def _mixed_tick(tick: int) -> list[ReadingBatch]:
    """Six devices, three reading counts, faults, fuel spikes and a geofence exit."""
    scripts = ["WWIO", "O" * 30, "WIWIWI" * 4, "IIII", "W" * 24, "OWWO" * 6]
    return [
        ScriptedDevice(f"D{k}", operating_hours=100.0 * k).batch(
            tick,
            script,
            fuel={2: 45.0},
            where={1: (41.0, 115.0)} if k == 4 else None,
            faults={0: ("E7",), 1: ("E7", "E8")} if k % 2 else None,
        )
        for k, script in enumerate(scripts)
    ]


def test_frames_from_wire_bytes_equal_frames_from_decoded_batches() -> None:
    batches = _mixed_tick(3)
    wires = [decode_wire(b.to_payload(), 10_000) for b in reversed(batches)]
    decoded = [decode_payload(b.to_payload(), 10_000) for b in batches]
    from_wire, from_batches = frames_from_items(wires), frames_from_items(decoded)
    mixed = frames_from_items(wires[:3] + decoded[:3])  # D5, D4, D3 + D0, D1, D2
    assert [f.readings for f in from_wire] == [4, 24, 30]
    for a, b, c in zip(from_wire, from_batches, mixed, strict=True):
        assert a.device_ids == b.device_ids == c.device_ids == sorted(a.device_ids)
        assert a.faults == b.faults == c.faults
        assert a.table.tobytes() == np.ascontiguousarray(b.table).tobytes() == c.table.tobytes()


def test_monitor_alerts_are_the_same_from_wire_frames_and_batches() -> None:
    fleet = [DeviceSpec(f"D{k}", 20.0) for k in range(6)]
    by_batch, by_frame = DeviceMonitor(fleet, MonitorRules()), DeviceMonitor(fleet, MonitorRules())
    for tick in range(3):
        payloads = [b.to_payload() for b in _mixed_tick(tick)]
        expected = by_batch.ingest([decode_payload(p, 10_000) for p in payloads])
        frames = frames_from_items([decode_wire(p, 10_000) for p in payloads])
        assert by_frame.ingest_frames(frames) == expected
    assert {a.rule for a in expected} >= {"fault", "fuel_rate", "geofence"}


def _body(**changes: object) -> bytes:
    body = json.loads(ScriptedDevice("A").batch(0, "WW").to_payload())
    body.update(changes)
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe", "malformed_json"),
        (b"{", "malformed_json"),
        (b"[]", "bad_schema"),
        (b"x" * 2000, "oversized"),
        (_body(device_id=""), "bad_schema"),
        (_body(tick=-1), "bad_schema"),
        (_body(tick=True), "bad_schema"),
        (_body(readings=0), "bad_schema"),
        (_body(readings=3), "bad_schema"),
        (_body(readings="2"), "bad_schema"),
        (_body(columns=["t_hours"]), "bad_schema"),
        (_body(data="not base64!"), "bad_schema"),
        (_body(data=[1, 2]), "bad_schema"),
        (_body(data="AAAA"), "bad_schema"),
        (_body(faults=[[5, "E1"]]), "bad_schema"),
        (_body(faults="E1"), "bad_schema"),
    ],
)
def test_bad_payloads_name_their_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as err:
        decode_payload(payload, 1000)
    assert err.value.reason == reason


@pytest.mark.parametrize("litres", [3e6, -3e6, float("nan"), float("inf")])
def test_values_beyond_the_wire_range_are_refused_at_the_sensor(litres: float) -> None:
    device = ScriptedDevice("A", fuel_used_litres=litres)
    with pytest.raises(ValueError, match="int32"):
        device.batch(0, "O").to_payload()


def test_batch_is_a_plain_value() -> None:
    batch = ScriptedDevice("A").batch(0, "W")
    assert isinstance(batch, ReadingBatch) and len(batch) == 1
    assert batch.productive_hours.tolist() == [601.0]


def test_a_ticks_payloads_encoded_together_equal_each_encoded_alone() -> None:
    batches = _mixed_tick(2)
    assert encode_payloads(batches) == [b.to_payload() for b in batches]


def test_encoding_a_tick_names_the_device_out_of_wire_range() -> None:
    batches = [*_mixed_tick(0), ScriptedDevice("X", fuel_used_litres=3e6).batch(0, "WWIO")]
    with pytest.raises(ValueError, match="X: a reading exceeds the int32"):
        encode_payloads(batches)


@pytest.mark.parametrize("insert", ["\n", " ", "=", "-", "é"])
def test_base64_outside_the_strict_alphabet_is_refused(insert: str) -> None:
    body = json.loads(ScriptedDevice("A").batch(0, "WW").to_payload())
    body["data"] = body["data"][:8] + insert + body["data"][8:]
    with pytest.raises(PayloadError, match="not valid base64") as err:
        decode_payload(json.dumps(body).encode(), 1000)
    assert err.value.reason == "bad_schema"
