"""paho clients of the telemetry adapter: construction, broker URLs and a buffered reader.

Every connection is a paho client (MQTT 3.1.1, callback API v2, clean session). The monitor's
connection receives every device's message; paho reads a packet with about four ``recv`` calls
(type byte, each length byte, body), so :class:`BufferedClient` serves those reads from one large
``recv`` instead: the bytes and the packets paho parses from them are the same, the system calls
per message fall from ~4 to a fraction of one.
"""

from __future__ import annotations

import socket
from typing import cast
from urllib.parse import urlparse

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

#: Bytes asked of the socket per real ``recv`` (about 200 device messages of a day's readings).
READ_BYTES = 1 << 18


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


def read_all(client: paho.Client) -> None:
    """``loop_read()`` until a :class:`BufferedClient` has parsed every byte it received."""
    client.loop_read()
    if isinstance(client, BufferedClient):
        while client.buffered and client.socket() is not None:
            client.loop_read()


def make_client(
    client_id: str, username: str, password: str, *, buffered: bool = False
) -> paho.Client:
    """A paho client for MQTT 3.1.1 with the v2 callback API and a clean session.

    Args:
        client_id: MQTT client id.
        username: login name.
        password: login password.
        buffered: a :class:`BufferedClient` (for a connection that receives many messages).
    """
    kind = BufferedClient if buffered else paho.Client
    client = kind(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=True,
        protocol=paho.MQTTv311,
    )
    client.username_pw_set(username, password)
    return client
