"""The embedded broker's shortened paths read and write exactly amqtt's PUBLISH packets."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from amqtt.mqtt.publish import PublishPacket

from products.telemetry.broker_direct import _read_publish
from products.telemetry.schema import publish_packet

SIZES = [0, 1, 100, 125, 126, 16_381, 16_382, 70_000]


def _run(coro: Any) -> Any:
    """``asyncio.run`` on a thread of its own: a session's browser tests keep an event loop
    running on the main thread (Playwright's sync API)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _payload(size: int) -> bytes:
    return bytes(range(256)) * (size // 256) + bytes(size % 256)


@pytest.mark.parametrize("size", SIZES)
def test_publish_packets_are_amqtts(size: int) -> None:
    packet = PublishPacket.build("device/EQ1/data", _payload(size), None, False, 0, False)
    assert publish_packet(b"device/EQ1/data", _payload(size)) == packet.to_bytes()


async def _parse(raw: bytes) -> tuple[PublishPacket | None, bytes, bytes]:
    stream = asyncio.StreamReader()
    stream.feed_data(raw)
    stream.feed_eof()
    packet, read = await _read_publish(stream, await stream.readexactly(2))
    return packet, read, await stream.read()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("retain", [False, True])
def test_a_qos0_publish_is_read_as_amqtt_reads_it(size: int, retain: bool) -> None:
    sent = PublishPacket.build("device/EQ1/data", _payload(size), None, False, 0, retain)
    packet, read, rest = _run(_parse(sent.to_bytes() + b"next"))
    assert packet is not None and read == b"" and rest == b"next"
    assert packet.to_bytes() == sent.to_bytes()
    assert (packet.topic_name, packet.data, packet.retain_flag) == (
        "device/EQ1/data",
        bytearray(_payload(size)),
        retain,
    )
    assert isinstance(packet.data, bytearray)  # as amqtt's own parser gives it


@pytest.mark.parametrize(
    "raw",
    [
        PublishPacket.build("device/EQ1/data", b"x", 7, False, 1, False).to_bytes(),  # QoS 1
        PublishPacket.build("device/EQ1/data", b"x", None, True, 0, False).to_bytes(),  # DUP
        PublishPacket.build("$SYS/x", b"x", None, False, 0, False).to_bytes(),  # refused topic
        publish_packet(b"device/+/data", b"x"),  # amqtt refuses to build it; a client may send it
        bytes([0x30, 0x05, 0x00, 0x09, 0x61]),  # topic longer than the packet
        bytes([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]),  # five length bytes
        bytes([0x30, 0x0A, 0x00]),  # the stream ends inside the packet
        bytes([0xC0, 0x00]),  # PINGREQ
    ],
)
def test_anything_else_is_handed_back_byte_for_byte(raw: bytes) -> None:
    packet, read, rest = _run(_parse(raw))
    assert packet is None
    assert read + rest == raw
