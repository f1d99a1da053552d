"""Two more of amqtt's per-message costs cut, with the same checks and the same bytes out.

Profiled on case 3 (1,000 devices, one message each per tick): after the shortened broadcast of
:mod:`~products.telemetry.broker_guard`, amqtt still spent most of a message's time waking the
sender's session loop (a delivery queue, an ``asyncio.wait`` over four futures and a new task per
message) and in one ``send`` system call per message to the monitor.

- :class:`DirectPublishHandler`: its reader takes a QoS 0 PUBLISH off the stream in three reads
  (amqtt: ~7 reads, a ``wait_for`` task and a task per packet) and a valid one goes at once
  to the broker's own delivery step (``Broker._handle_message_delivery``: plugin events,
  publish ACL, broadcast, retain), instead of through the session's delivery queue. Any other
  PUBLISH (QoS 1 or 2, a DUP flag, a topic amqtt refuses) takes amqtt's queued path, and so does
  every later one of that connection: the queue keeps the sender's order, and after a refused
  topic amqtt stops delivering for the sender altogether.
- :func:`send_qos0`: the broadcast's QoS 0 PUBLISH to a subscriber is written as the bytes
  amqtt's packet object would give, without building that object, when no plugin listens for
  sent packets and no other send of that connection is under way (else amqtt's ``mqtt_publish``).
- :class:`BatchingWriter`: the packets written to one connection during a turn of the event loop
  leave in one ``write`` at its end, in the order written; ``drain`` and ``close`` flush first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from amqtt.adapters import StreamReaderAdapter, StreamWriterAdapter
from amqtt.events import MQTTEvents
from amqtt.mqtt.constants import QOS_0
from amqtt.mqtt.packet import PUBLISH, MQTTFixedHeader
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.mqtt.publish import PublishPacket, PublishPayload, PublishVariableHeader
from amqtt.session import IncomingApplicationMessage, Session

from products.telemetry.schema import PUBLISH_QOS0, PUBLISH_QOS0_RETAIN, publish_packet

log = logging.getLogger(__name__)

#: ``Broker._handle_message_delivery``: (session, handler, future of the message) → keep going.
Delivery = Callable[[Session, BrokerProtocolHandler, "asyncio.Future[object]"], Awaitable[bool]]

#: Pending bytes at which ``drain`` writes at once instead of at the end of the loop's turn.
FLUSH_BYTES = 1 << 16
#: First byte of a QoS 0 PUBLISH without DUP flag, without and with RETAIN.
_LENGTH_BYTES = 4


class ReplayReader(StreamReaderAdapter):
    """amqtt's stream reader adapter that can hand back bytes already read off the stream.

    Bytes handed back (:meth:`unread`) are read again first, then the stream's; while there
    are none, ``read`` is the plain adapter's (amqtt makes ~8 calls per packet).
    """

    def __init__(self, reader: asyncio.StreamReader, head: bytes = b"") -> None:
        super().__init__(reader)
        self._head = b""
        self.unread(head)

    @property
    def stream(self) -> asyncio.StreamReader:
        """The underlying stream (for reads that bypass the adapter)."""
        return self._reader

    @property
    def pending(self) -> bool:
        """Whether handed-back bytes wait to be read."""
        return bool(self._head)

    def unread(self, data: bytes) -> None:
        """Read ``data`` again before anything else."""
        self._head = data + self._head
        if self._head:
            self.__dict__.pop("read", None)  # the replaying read below

    async def read(self, n: int = -1) -> bytes:
        """Handed-back bytes first, then the stream's."""
        if n == -1:
            data, self._head = self._head + await super().read(-1), b""
        else:
            data, self._head = self._head[:n], self._head[n:]
            data += await super().read(n - len(data)) if len(data) < n else b""
        if not self._head:  # handed over: later reads skip this layer
            self.read = super().read  # type: ignore[method-assign]
        return data


def direct_topic(topic: str | None) -> bool:
    """Whether amqtt's delivery step would accept ``topic`` from a client (else it closes)."""
    if not topic:
        return False
    return "#" not in topic and "+" not in topic and not topic.startswith("$")


class DirectPublishHandler(BrokerProtocolHandler):
    """amqtt's broker-side handler whose QoS 0 PUBLISH is delivered from the reader's task.

    Installed on a handler by :func:`install_direct_publish`; ``deliver`` is the broker's
    delivery step. The reader spawns one task per packet in arrival order and nothing before
    the receiver's write lock suspends, so each publisher's order is kept.
    """

    deliver: Delivery
    direct: bool

    async def _reader_loop(self) -> None:
        """Take QoS 0 PUBLISH packets off the stream; then amqtt's loop, from the next packet."""
        reader, session = self.reader, self.session
        if self.direct and isinstance(reader, ReplayReader) and not reader.pending and session:
            assert self._reader_ready is not None
            self._reader_ready.set()
            keepalive = session.keep_alive if session.keep_alive > 0 else None
            try:
                await self._direct_loop(reader, keepalive)
            except asyncio.CancelledError:  # stopped: amqtt's loop ends the same way
                await self.handle_connection_closed()
                self._reader_stopped.set()
                await self.stop()
                return
        await super()._reader_loop()

    async def _direct_loop(self, reader: ReplayReader, keepalive: int | None) -> None:
        while self.direct:
            try:
                async with asyncio.timeout(keepalive):
                    head = await reader.stream.readexactly(2)
            except TimeoutError:
                self.handle_read_timeout()
                continue
            except asyncio.IncompleteReadError as end:  # end of stream: amqtt's loop sees it
                reader.unread(end.partial)
                return
            packet, read = await _read_publish(reader.stream, head)
            if packet is None:
                reader.unread(read)
                return
            await self.plugins_manager.fire_event(
                MQTTEvents.PACKET_RECEIVED, packet=packet, session=self.session
            )
            try:
                await self.handle_publish(packet)
            except Exception:  # as a failed handler task in amqtt's loop: the reader goes on
                log.exception("delivery of a PUBLISH from %s failed", self.session)

    async def handle_publish(self, publish_packet: PublishPacket) -> None:
        """Deliver a valid QoS 0 PUBLISH at once; anything else as amqtt does."""
        topic, data = publish_packet.topic_name, publish_packet.data
        self.direct = (
            self.direct
            and self.session is not None
            and publish_packet.qos == QOS_0
            and not publish_packet.dup_flag  # amqtt ignores (and logs) it
            and data is not None
            and direct_topic(topic)
        )
        if not self.direct:
            await super().handle_publish(publish_packet)
            return
        assert self.session is not None and topic is not None and data is not None
        message = IncomingApplicationMessage(None, topic, QOS_0, data, publish_packet.retain_flag)
        message.publish_packet = publish_packet
        done: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        done.set_result(message)
        await self.deliver(self.session, self, done)


async def _read_publish(
    stream: asyncio.StreamReader, head: bytes
) -> tuple[PublishPacket | None, bytes]:
    """The QoS 0 PUBLISH starting with ``head`` and b"", or None and every byte read of it.

    None for any other packet, a malformed one, a topic amqtt would not decode or not deliver,
    and a stream that ends inside the packet.
    """
    read, byte, length, shift = head, head[1], head[1] & 0x7F, 7
    if head[0] not in (PUBLISH_QOS0, PUBLISH_QOS0_RETAIN):
        return None, read
    try:
        while byte & 0x80:
            if len(read) > _LENGTH_BYTES:
                return None, read
            read += await stream.readexactly(1)
            byte = read[-1]
            length, shift = length | (byte & 0x7F) << shift, shift + 7
        body = await stream.readexactly(length)
    except asyncio.IncompleteReadError as end:
        return None, read + end.partial
    topic_end = 2 + int.from_bytes(body[:2], "big")
    if length < 2 or topic_end > length:
        return None, read + body
    try:
        topic = body[2:topic_end].decode("utf-8")
    except UnicodeDecodeError:
        return None, read + body
    if not direct_topic(topic):
        return None, read + body
    header = MQTTFixedHeader(PUBLISH, head[0] & 0x0F, length)
    payload = PublishPayload(bytearray(body[topic_end:]))  # amqtt's parser gives a bytearray
    return PublishPacket(header, PublishVariableHeader(topic, None), payload), b""


async def send_qos0(handler: BrokerProtocolHandler, topic: str, data: bytes | bytearray) -> None:
    """``handler.mqtt_publish(topic, data, QOS_0, retain=False)`` in one write when it can be."""
    writer, plugins = handler.writer, handler.plugins_manager
    watched = MQTTEvents.PACKET_SENT in plugins._event_plugin_callbacks
    if watched or writer is None or handler.session is None or handler._write_lock.locked():
        await handler.mqtt_publish(topic, data, QOS_0, retain=False)
        return
    try:
        writer.write(publish_packet(topic.encode("utf-8"), data))
        await writer.drain()
    except (ConnectionResetError, BrokenPipeError):  # as amqtt's _send_packet
        await handler.handle_connection_closed()


def install_direct_publish(handler: BrokerProtocolHandler, deliver: Delivery) -> None:
    """Make ``handler`` (a plain amqtt handler, before it starts reading) a direct one."""
    handler.__class__ = DirectPublishHandler  # same layout: only handle_publish differs
    handler.deliver = deliver
    handler.direct = True


class BatchingWriter(StreamWriterAdapter):
    """amqtt's stream writer adapter that writes a loop turn's packets in one system call."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        super().__init__(writer)
        self._pending = bytearray()
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes) -> None:
        """Queue ``data``; the queue is written at the end of this turn of the event loop."""
        if self.is_closed:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending += data

    def flush(self) -> None:
        """Write what is queued now (dropped if the connection is closing, as a write would be)."""
        if self._pending:
            if not self._writer.transport.is_closing():
                self._writer.write(bytes(self._pending))
            self._pending.clear()

    async def drain(self) -> None:
        """Write at once if much is queued, then wait as the stream's ``drain`` does."""
        if len(self._pending) >= FLUSH_BYTES:
            self.flush()
        await super().drain()

    async def close(self) -> None:
        """Write what is queued, then close as amqtt does."""
        self.flush()
        await super().close()
