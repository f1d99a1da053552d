"""BufferedClient splits complete QoS 0 PUBLISH packets off its buffer exactly as paho reads them.

Packets are written out here in the MQTT 3.1.1 PUBLISH layout that amqtt and mosquitto send;
whatever the split does not take must be left, untouched, to paho.
"""

from __future__ import annotations

import pytest

from products.telemetry.clients import BufferedClient, DeviceClient, make_client
from products.telemetry.schema import publish_packet


def _publish(topic: bytes, payload: bytes, first: int = 0x30) -> bytes:
    body = len(topic).to_bytes(2, "big") + topic + payload
    length, size = b"", len(body)
    while True:
        byte, size = size & 0x7F, size >> 7
        length += bytes([byte | (0x80 if size else 0)])
        if not size:
            return bytes([first]) + length + body


def _client(buffer: bytes) -> tuple[BufferedClient, list[tuple[str, bytes, bool]]]:
    client = make_client("monitor", "monitor", "x", buffered=True)
    assert isinstance(client, BufferedClient)
    got: list[tuple[str, bytes, bool]] = []
    client._buffer, client._pos = buffer, 0
    return client, got


def test_complete_publishes_are_split_off_in_order_with_their_retain_flag() -> None:
    big = bytes(range(256)) * 9  # a remaining length of two bytes
    stream = _publish(b"device/EQ1/data", b"a") + _publish(b"device/EQ2/data", big)
    stream += _publish(b"sim/tick", b"{}", first=0x31)
    client, got = _client(stream)
    assert client._split_publishes(lambda *m: got.append(m)) == 3
    assert got == [
        ("device/EQ1/data", b"a", False),
        ("device/EQ2/data", big, False),
        ("sim/tick", b"{}", True),
    ]
    assert client.buffered == 0


@pytest.mark.parametrize(
    ("tail", "why"),
    [
        (_publish(b"device/EQ1/data", b"x" * 300)[:-1], "incomplete"),
        (_publish(b"device/EQ1/data", b"x", first=0x38), "DUP flag"),
        (_publish(b"device/EQ1/data", b"x", first=0x32), "QoS 1"),
        (_publish(b"device/\xff/data", b"x"), "topic not UTF-8"),
        (bytes([0xD0, 0x00]), "PINGRESP"),
    ],
)
def test_what_paho_must_read_is_left_in_the_buffer(tail: bytes, why: str) -> None:
    head = _publish(b"device/EQ1/data", b"first")
    client, got = _client(head + tail)
    assert client._split_publishes(lambda *m: got.append(m)) == 1, why
    assert got == [("device/EQ1/data", b"first", False)]
    assert client._buffer[client._pos :] == tail


class _Socket:
    """Takes what a client writes; ``room`` bytes at most per send (None: everything)."""

    def __init__(self, room: int | None = None) -> None:
        self.data, self.room = b"", room

    def send(self, buf: bytes) -> int:
        if self.room == 0:
            raise BlockingIOError
        taken = bytes(buf[: self.room] if self.room is not None else buf)
        self.data += taken
        return len(taken)

    def close(self) -> None:
        """paho closes its socket when the client goes away."""


@pytest.mark.parametrize("size", [0, 1, 100, 127, 128, 16_383, 16_384, 70_000])
def test_publish_packet_is_the_packet_paho_writes(size: int) -> None:
    paho_client = make_client("EQ1", "EQ1", "x")
    paho_client._sock = sock = _Socket()  # type: ignore[assignment]
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    paho_client.publish("device/EQ1/data", payload, qos=0)
    assert publish_packet(b"device/EQ1/data", payload) == sock.data


def test_a_device_client_keeps_the_unsent_rest_and_the_order() -> None:
    client = make_client("EQ1", "EQ1", "x", device=True)
    assert isinstance(client, DeviceClient)
    client._sock = sock = _Socket(room=10)  # type: ignore[assignment]
    client.publish_qos0(b"device/EQ1/data", b"a" * 50)
    sock.room = 0  # the socket is full: nothing goes, the next packet joins the rest
    client.publish_qos0(b"device/EQ1/data", b"b" * 50)
    assert client.want_write() and len(sock.data) == 10
    sock.room = None
    client.loop_write()
    expected = publish_packet(b"device/EQ1/data", b"a" * 50)
    assert sock.data == expected + publish_packet(b"device/EQ1/data", b"b" * 50)
    assert not client.want_write()
