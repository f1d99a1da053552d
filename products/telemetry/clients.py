"""paho clients of the telemetry adapter: construction, broker URLs and a buffered reader.

Every connection is a paho client (MQTT 3.1.1, callback API v2, clean session). The monitor's
connection receives every device's message; paho reads a packet with about four ``recv`` calls
(type byte, each length byte, body), so :class:`BufferedClient` serves those reads from one large
``recv`` instead: the bytes and the packets paho parses from them are the same, the system calls
per message fall from ~4 to a fraction of one. With :attr:`BufferedClient.on_qos0_publish` set,
the complete QoS 0 PUBLISH packets in that buffer are also split off in one pass and handed to
it as ``(topic, payload, retain)``, without paho's per-packet state machine, message object and
callback dispatch (profiled: most of the monitor's cost per message); any other packet, an
incomplete one or one paho would treat specially (DUP flag, topic not UTF-8) is left to paho.

A device's connection only publishes: :class:`DeviceClient` writes a QoS 0 PUBLISH (the bytes
paho would write) straight to its socket when nothing is queued in paho, keeping any unsent rest
until the socket is writable again, instead of paho's message object, mid, locks and queue.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import cast
from urllib.parse import urlparse

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from products.telemetry.schema import PUBLISH_QOS0, PUBLISH_QOS0_RETAIN, publish_packet

#: Bytes asked of the socket per real ``recv`` (about 200 device messages of a day's readings).
READ_BYTES = 1 << 18
#: First byte of an MQTT 3.1.1 QoS 0 PUBLISH without DUP flag, without and with RETAIN.
_MAX_LENGTH_BYTES = 4

#: Receives one QoS 0 PUBLISH: ``(topic, payload, retain)``.
PublishHandler = Callable[[str, bytes, bool], None]


def parse_broker_url(url: str) -> tuple[str, int]:
    """``mqtt://host:port`` → ``(host, port)``.

    Raises:
        ValueError: another scheme, or no host.
    """
    parts = urlparse(url)
    if parts.scheme != "mqtt" or not parts.hostname:
        raise ValueError(f"broker_url: {url!r} must look like mqtt://host:port")
    return parts.hostname, parts.port or 1883


def client_socket(client: paho.Client) -> socket.socket:
    """The client's socket (paho types it loosely)."""
    return cast(socket.socket, client.socket())


class BufferedClient(paho.Client):
    """A paho client whose socket reads are served from one large ``recv``.

    paho asks for a packet's bytes in small pieces through ``_sock_recv``; this client fills a
    buffer with up to :data:`READ_BYTES` per system call and hands paho the pieces from it.
    Bytes left in the buffer do not make the socket readable, so the caller keeps calling
    ``loop_read()`` while :attr:`buffered` is non-zero (see :func:`read_all`).
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._buffer = b""
        self._pos = 0
        #: when set, takes the buffered QoS 0 PUBLISH packets instead of ``on_message``
        self.on_qos0_publish: PublishHandler | None = None

    @property
    def buffered(self) -> int:
        """Bytes received from the socket that paho has not read yet."""
        return len(self._buffer) - self._pos

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._pos >= len(self._buffer):
            data = super()._sock_recv(READ_BYTES)  # BlockingIOError when nothing is there
            if not data:
                return data  # end of stream: paho reports the connection lost
            self._buffer, self._pos = data, 0
        start, self._pos = self._pos, min(self._pos + bufsize, len(self._buffer))
        return self._buffer[start : self._pos]

    def loop_read(self, max_packets: int = 1) -> paho.MQTTErrorCode:
        """Hand the buffered QoS 0 PUBLISH packets to :attr:`on_qos0_publish`, then paho reads."""
        handler = self.on_qos0_publish
        fresh = self._in_packet["command"] == 0  # paho is not inside a packet
        if handler is not None and fresh and self._split_publishes(handler):
            with self._msgtime_mutex:  # what paho records after every packet it reads
                self._last_bytes_received = paho.time_func()
        return super().loop_read(max_packets)

    def _split_publishes(self, handler: PublishHandler) -> int:
        """Complete QoS 0 PUBLISH packets from the buffer's start, each handed over once."""
        buffer, end, count = self._buffer, len(self._buffer), 0
        while self._pos < end and buffer[self._pos] in (PUBLISH_QOS0, PUBLISH_QOS0_RETAIN):
            packet = _packet_span(buffer, self._pos, end)
            if packet is None:
                break
            body, stop = packet
            topic_end = body + 2 + int.from_bytes(buffer[body : body + 2], "big")
            if topic_end > stop:
                break  # malformed: paho reports it
            try:
                topic = buffer[body + 2 : topic_end].decode("utf-8")
            except UnicodeDecodeError:
                break  # paho's own handling of such a topic
            retain = buffer[self._pos] == PUBLISH_QOS0_RETAIN
            self._pos = stop  # consumed before the handler runs, as paho does
            handler(topic, buffer[topic_end:stop], retain)
            count += 1
        return count


def _packet_span(buffer: bytes, start: int, end: int) -> tuple[int, int] | None:
    """``(body start, packet end)`` of the packet at ``start`` if it is complete in ``buffer``."""
    length, shift, pos = 0, 0, start + 1
    for _ in range(_MAX_LENGTH_BYTES):
        if pos >= end:
            return None
        byte = buffer[pos]
        length |= (byte & 0x7F) << shift
        shift, pos = shift + 7, pos + 1
        if not byte & 0x80:
            stop = pos + length
            return (pos, stop) if length >= 2 and stop <= end else None
    return None  # a fifth length byte: malformed, left to paho


class DeviceClient(paho.Client):
    """A paho client whose QoS 0 publishes go to the socket without paho's queue when it is empty.

    The bytes are paho's (:func:`publish_packet`) and leave in the order published: while an
    unsent rest is held here, later publishes join it, and paho's own packets (ping, disconnect)
    are written by :meth:`loop_write` after it.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._unsent = b""

    def publish_qos0(self, topic: bytes, payload: bytes) -> None:
        """Publish ``payload`` to ``topic`` at QoS 0 (no retain)."""
        if self._unsent:
            self._unsent += publish_packet(topic, payload)
        elif self._sock is None or super().want_write():
            self.publish(topic.decode(), payload, qos=0)  # paho queues it after its own
        else:
            self._unsent = publish_packet(topic, payload)
            self._send_unsent()

    def _send_unsent(self) -> None:
        try:
            sent = self._sock_send(self._unsent)
        except BlockingIOError:
            return
        except OSError:
            self._unsent = b""  # the connection is gone: the monitor's reads report it
            return
        self._unsent = self._unsent[sent:]
        with self._msgtime_mutex:  # what paho records after every write
            self._last_msg_out = paho.time_func()

    def want_write(self) -> bool:
        """Whether bytes wait to be written (held here or queued in paho)."""
        return bool(self._unsent) or super().want_write()

    def loop_write(self) -> paho.MQTTErrorCode:
        """Write the held rest first, then paho's queue."""
        if self._unsent and self._sock is not None:
            self._send_unsent()
            if self._unsent:
                return paho.MQTTErrorCode.MQTT_ERR_SUCCESS
        return super().loop_write()


def read_all(client: paho.Client) -> None:
    """``loop_read()`` until a :class:`BufferedClient` has parsed every byte it received."""
    client.loop_read()
    if isinstance(client, BufferedClient):
        while client.buffered and client.socket() is not None:
            client.loop_read()


def make_client(
    client_id: str, username: str, password: str, *, buffered: bool = False, device: bool = False
) -> paho.Client:
    """A paho client for MQTT 3.1.1 with the v2 callback API and a clean session.

    Args:
        client_id: MQTT client id.
        username: login name.
        password: login password.
        buffered: a :class:`BufferedClient` (for a connection that receives many messages).
        device: a :class:`DeviceClient` (for a connection that publishes every tick).
    """
    kind = BufferedClient if buffered else DeviceClient if device else paho.Client
    client = kind(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=True,
        protocol=paho.MQTTv311,
    )
    client.username_pw_set(username, password)
    return client
