"""amqtt's broker with the two refusals amqtt lacks, counted in :data:`COUNTERS`.

- A client's retained publish is forwarded but never stored: a stored message would be replayed
  to the monitor when it subscribes, as if a device had sent it in that tick.
- A CONNECT of another protocol level than MQTT 3.1.1 gets a refusing CONNACK and the connection
  is closed: amqtt misreads an MQTT 5 CONNECT (it has properties) and waits for bytes that never
  come, so the client hangs. The level is read before amqtt parses the packet, and the bytes read
  are handed to amqtt unchanged when the level is 3.1.1.

amqtt's plugins cannot do either: topic filtering does not see the retain flag, and no plugin
hook runs before the CONNECT is parsed.

Two of amqtt's per-message paths are shortened, with the same checks and the same bytes out
(profiled: amqtt spent most of its time creating and awaiting asyncio tasks, ~7 per message):

- the topic plugins are awaited in turn instead of one task each plus a ``gather`` (twice per
  message: the sender's ``publish``, every receiver's ``receive``);
- a QoS 0 message to connected subscribers goes straight to their handlers from the sender's
  task instead of through the broadcast queue, a broadcast task and a publish task per receiver.
  Anything else (forced QoS, a subscriber not connected) takes amqtt's own queued path.

Two more (the sender's delivery queue, one ``send`` per packet) are in
:mod:`~products.telemetry.broker_direct`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter

from amqtt.adapters import ReaderAdapter, WriterAdapter
from amqtt.broker import Broker
from amqtt.contexts import Action
from amqtt.mqtt.constants import QOS_0
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler
from amqtt.plugins.base import BaseTopicPlugin
from amqtt.session import Session

from products.telemetry.broker_direct import (
    BatchingWriter,
    ReplayReader,
    install_direct_publish,
    send_qos0,
)

log = logging.getLogger(__name__)

#: Refusals and denials inside the broker process, reported on its ``STATS`` line.
COUNTERS: Counter[str] = Counter()

MQTT_311_LEVEL = 4
CONNECT_TYPE = 0x10
#: CONNACK refusing the protocol: MQTT 5 form (reason 0x84, no properties), MQTT 3.x (code 0x01).
REFUSAL_V5, REFUSAL_V3 = bytes([0x20, 3, 0, 0x84, 0]), bytes([0x20, 2, 0, 0x01])
_LONGEST_PROTOCOL_NAME = len("MQIsdp")


async def _connect_head(reader: asyncio.StreamReader) -> tuple[bytes, int | None]:
    """The first bytes of a connection up to a CONNECT's protocol level, and that level.

    The level is None when the first packet is not a CONNECT with a known protocol name:
    amqtt then refuses it itself.
    """
    head = await reader.readexactly(1)
    if head[0] != CONNECT_TYPE:
        return head, None
    for _ in range(4):  # remaining length: 1 to 4 bytes, the high bit says another follows
        head += await reader.readexactly(1)
        if not head[-1] & 0x80:
            break
    name_size = await reader.readexactly(2)
    head += name_size
    if int.from_bytes(name_size, "big") > _LONGEST_PROTOCOL_NAME:
        return head, None
    head += await reader.readexactly(int.from_bytes(name_size, "big") + 1)
    return head, head[-1]


class DeviceBroker(Broker):
    """amqtt's broker that stores no client's retained message and speaks MQTT 3.1.1 only."""

    async def stream_connected(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, listener_name: str
    ) -> None:
        """Check the protocol level of the CONNECT before amqtt parses it."""
        try:
            head, level = await _connect_head(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        if level is not None and level != MQTT_311_LEVEL:
            await _refuse_protocol(writer, level)
            return
        adapters = ReplayReader(reader, head), BatchingWriter(writer)
        await self.external_connected(*adapters, listener_name)

    async def _initialize_client_session(
        self, reader: ReaderAdapter, writer: WriterAdapter, remote_address: str, remote_port: int
    ) -> tuple[BrokerProtocolHandler, Session]:
        """amqtt's session set-up; the handler then delivers QoS 0 PUBLISH directly."""
        handler, session = await super()._initialize_client_session(
            reader, writer, remote_address, remote_port
        )
        install_direct_publish(handler, self._handle_message_delivery)
        return handler, session

    async def _topic_filtering(self, session: Session, topic: str, action: Action) -> bool:
        """amqtt's rule (every topic plugin must say True), without a task per plugin call."""
        if not self.plugins_manager.is_topic_filtering_enabled():
            return True
        plugins = [p for p in self.plugins_manager.plugins if isinstance(p, BaseTopicPlugin)]
        results = [
            await p.topic_filtering(session=session, topic=topic, action=action) for p in plugins
        ]
        return all(results)

    async def _broadcast_message(
        self,
        session: Session | None,
        topic: str | None,
        data: bytes | bytearray | None,
        force_qos: int | None = None,
    ) -> None:
        """Deliver a QoS 0 message to connected subscribers directly; else amqtt's queue."""
        targets = self._direct_targets(topic, force_qos)
        if targets is None or topic is None or data is None:
            await super()._broadcast_message(session, topic, data, force_qos)
            return
        for target, handler in targets:
            if not await self._topic_filtering(target, topic=topic, action=Action.RECEIVE):
                log.info("%s not allowed to receive messages from %r", target.client_id, topic)
                continue
            try:
                await send_qos0(handler, topic, data)
            except Exception:  # as amqtt's broadcast loop: one receiver's failure is skipped
                log.exception("delivery of %r to %s failed", topic, target.client_id)

    def _direct_targets(
        self, topic: str | None, force_qos: int | None
    ) -> list[tuple[Session, BrokerProtocolHandler]] | None:
        """Connected QoS 0 subscribers matching ``topic``; None if amqtt's path must decide."""
        if topic is None or force_qos is not None:
            return None
        targets = []
        for a_filter, subscriptions in self._subscriptions.items():
            if not self._matches(topic, a_filter):
                continue
            for target, qos in subscriptions:
                handler = self._get_handler(target)
                if qos != QOS_0 or handler is None or target.transitions.state != "connected":
                    return None
                targets.append((target, handler))
        return targets

    async def retain_message(
        self,
        source_session: Session | None,
        topic_name: str | None,
        data: bytes | bytearray | None,
        qos: int | None = None,
    ) -> None:
        """Store only the broker's own retained messages; a client's are counted and dropped."""
        if source_session is None:
            await super().retain_message(source_session, topic_name, data, qos)
            return
        COUNTERS["retain_refused"] += 1
        log.warning(
            "retained publish on %r from %r not stored", topic_name, source_session.username
        )


async def _refuse_protocol(writer: asyncio.StreamWriter, level: int) -> None:
    COUNTERS["protocol_refused"] += 1
    log.warning("CONNECT with protocol level %d refused: this broker speaks MQTT 3.1.1", level)
    writer.write(REFUSAL_V5 if level > MQTT_311_LEVEL else REFUSAL_V3)
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    writer.close()
