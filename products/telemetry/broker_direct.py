"""Two more of amqtt's per-message costs cut, with the same checks and the same bytes out.

Profiled on case 3 (1,000 devices, one message each per tick): after the shortened broadcast of
:mod:`~products.telemetry.broker_guard`, amqtt still spent most of a message's time waking the
sender's session loop (a delivery queue, an ``asyncio.wait`` over four futures and a new task per
message) and in one ``send`` system call per message to the monitor.

- :class:`DirectPublishHandler`: a QoS 0 PUBLISH with a valid topic goes from the reader's task
  straight to the broker's own delivery step (``Broker._handle_message_delivery``: plugin events,
  publish ACL, broadcast, retain), instead of through the session's delivery queue. Any other
  PUBLISH (QoS 1 or 2, a DUP flag, a topic amqtt refuses) takes amqtt's queued path, and so does
  every later one of that connection: the queue keeps the sender's order, and after a refused
  topic amqtt stops delivering for the sender altogether.
- :class:`BatchingWriter`: the packets written to one connection during a turn of the event loop
  leave in one ``write`` at its end, in the order written; ``drain`` and ``close`` flush first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from amqtt.adapters import StreamWriterAdapter
from amqtt.mqtt.constants import QOS_0
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.mqtt.publish import PublishPacket
from amqtt.session import IncomingApplicationMessage, Session

#: ``Broker._handle_message_delivery``: (session, handler, future of the message) → keep going.
Delivery = Callable[[Session, BrokerProtocolHandler, "asyncio.Future[object]"], Awaitable[bool]]

#: Pending bytes at which ``drain`` writes at once instead of at the end of the loop's turn.
FLUSH_BYTES = 1 << 16


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
