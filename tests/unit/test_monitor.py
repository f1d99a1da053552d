"""DeviceMonitor rules and the telemetry payload codec, on the in-memory path."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from products.telemetry.monitor import DeviceMonitor, Geofence, MonitorRules
from products.telemetry.port import DeviceSpec
from products.telemetry.schema import PayloadError, ReadingBatch, decode_payload
from products.telemetry.scripted import ScriptedDevice

FLEET = [DeviceSpec("A", 20.0)]


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


def test_disabled_rule_stays_silent_and_fault_filter_applies() -> None:
    rules = MonitorRules(enabled=frozenset({"fault"}), fault_codes=frozenset({"E9"}))
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


def test_values_beyond_the_wire_range_are_refused_at_the_sensor() -> None:
    device = ScriptedDevice("A", fuel_used_litres=3e6)
    with pytest.raises(ValueError, match="int32"):
        device.batch(0, "W").to_payload()


def test_batch_is_a_plain_value() -> None:
    batch = ScriptedDevice("A").batch(0, "W")
    assert isinstance(batch, ReadingBatch) and len(batch) == 1
    assert batch.productive_hours.tolist() == [601.0]
