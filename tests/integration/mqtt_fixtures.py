"""Shared helpers of the MQTT tests: alert sink, scripted fleet, mosquitto on a free port."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from products.telemetry.mosquitto import mosquitto_binary, run_mosquitto
from products.telemetry.port import Alert, DeviceSpec, TelemetryPort
from products.telemetry.scripted import ScriptedDevice


class Sink:
    """Records alerts like the bank would receive them."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def send_alert(self, alert: Alert) -> None:
        self.alerts.append(alert)


SCRIPTED, NORMAL = "EQ-S", "EQ-N"
FLEET = [DeviceSpec(SCRIPTED, 20.0), DeviceSpec(NORMAL, 20.0)]

#: The alerts the rules must raise for :func:`scripted_days` (derived by hand in the comments).
EXPECTED_ALERTS = [
    Alert(41.0, SCRIPTED, "idle", 25.0),  # last productive hour 16, 41 - 16 = 25 > 24
    Alert(53.0, SCRIPTED, "arrears_idle", 45.0),  # 45 days past due, 53 - 16 = 37 > 36
    Alert(60.0, SCRIPTED, "fuel_rate", 30.0),  # 30 L in one engine hour > 20
    Alert(62.0, SCRIPTED, "fuel_rate", 25.0),  # re-armed at 61 (15 L/h)
    Alert(63.0, SCRIPTED, "fault", 1.0, "E042"),
    Alert(66.0, SCRIPTED, "fault", 1.0, "E042"),  # cleared at 65, shows again at 66
    Alert(72.0, SCRIPTED, "geofence", 41.0),  # lat 41 > 40
    Alert(75.0, SCRIPTED, "geofence", 35.0),  # back in at 74, lon 121 > 120 at 75
]
ARREARS_IDLE_HOURS = 36.0
DAYS_PAST_DUE_FROM_DAY = {2: 45}


def scripted_days() -> list[list]:
    """Four days (ticks 0–3) of batches for the scripted and the normal device."""
    s, n = ScriptedDevice(SCRIPTED), ScriptedDevice(NORMAL)
    normal = "O" * 8 + "W" * 9 + "O" * 7
    return [
        [s.batch(0, "O" * 8 + "WWWW" + "I" + "WWWW" + "O" * 7), n.batch(0, normal)],
        [s.batch(1, "O" * 24), n.batch(1, normal)],
        [
            s.batch(
                2,
                "O" * 8 + "W" * 11 + "O" * 5,
                fuel={60: 30.0, 62: 25.0},
                faults={63: ("E042",), 64: ("E042",), 66: ("E042",)},
            ),
            n.batch(2, normal),
        ],
        [
            s.batch(
                3,
                "WWWW" + "O" * 20,
                where={72: (41.0, 115.0), 74: (35.0, 115.0), 75: (35.0, 121.0), 76: (35.0, 115.0)},
            ),
            n.batch(3, normal),
        ],
    ]


def run_script(port: TelemetryPort) -> list[Alert]:
    """Drive a telemetry port through :func:`scripted_days`; returns the alerts of all ticks."""
    alerts: list[Alert] = []
    for tick, batches in enumerate(scripted_days()):
        if tick in DAYS_PAST_DUE_FROM_DAY:
            port.set_payment_status(SCRIPTED, DAYS_PAST_DUE_FROM_DAY[tick])
        for batch in batches:
            port.submit(batch)
        alerts += port.end_tick(tick, (tick + 1) * 24.0)
    return alerts


@contextlib.contextmanager
def mosquitto(*, retain_available: bool = False) -> Iterator[str]:
    """A mosquitto on a free loopback port allowing anonymous clients; yields its URL.

    ``retain_available=True`` stores retained messages, as a broker run by someone else may.
    """
    binary = mosquitto_binary()
    if binary is None:
        pytest.skip(
            "mosquitto binary not found (PATH, /usr/sbin); `make mosquitto` installs it as root"
        )
    with run_mosquitto(binary, retain_available=retain_available) as url:
        yield url
