"""The listener's group commit: a batch waits for the next message of each connection that
sent in the batch before, so clients that wait for every ACK share one commit instead of
splitting into a batch of one and a batch of the rest. Real MLLP connections (python-hl7's
asyncio client) against the listener in this process; the applier is a stand-in that
records its batches and can be held, so the order of events is the test's, not the clock's.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hl7.mllp import open_hl7_connection

from pcc_tui.core.interop.mllp_listener import Listener

LONG = 60.0  # a gather that never runs out while the test runs


@dataclass
class Done:
    ack: str
    outcome: str = "AA"


class Applier:
    """Records each batch (the messages' texts); the first one can be held."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release_first = threading.Event()

    def __call__(self, items: Sequence[Any]) -> list[Done]:
        if not self.batches:
            self.release_first.wait(LONG)
        self.batches.append(list(items))
        return [Done(ack=f"MSH|^~\\&|PCC\rMSA|AA|{text}") for text in items]


@pytest.fixture
async def running() -> AsyncIterator[tuple[Listener, Applier]]:
    applier = Applier()
    listener = Listener(
        applier, str, host="127.0.0.1", port=0, gather=LONG, now_text=lambda: "20261207"
    )
    await listener.start()
    yield listener, applier
    applier.release_first.set()
    await listener.stop()


async def connect(listener: Listener) -> tuple[Any, Any]:
    reader, writer = await open_hl7_connection("127.0.0.1", listener.port)
    return reader, writer


async def send(conn: tuple[Any, Any], text: str) -> None:
    _, writer = conn
    writer.writeblock(text.encode())
    await writer.drain()


async def ack(conn: tuple[Any, Any]) -> str:
    reader, _ = conn
    block = await asyncio.wait_for(reader.readblock(), LONG / 2)
    return bytes(block).decode().rsplit("|", 1)[-1]


async def test_clients_that_wait_for_each_ack_share_one_commit(
    running: tuple[Listener, Applier],
) -> None:
    listener, applier = running
    a, b = await connect(listener), await connect(listener)
    await send(a, "a1")  # alone: no one sent before it, so nothing is waited for
    while listener.counts.frames < 1:
        await asyncio.sleep(0)
    await send(b, "b1")  # arrives while a1 is being applied (held)
    while listener.counts.frames < 2:
        await asyncio.sleep(0)
    applier.release_first.set()
    assert await ack(a) == "a1"
    # b1's batch waits for a's next message: a sent in the batch before, and is still here.
    await send(a, "a2")
    assert {await ack(b), await ack(a)} == {"b1", "a2"}
    # Both sent in that batch: whichever comes first waits for the other.
    await send(b, "b2")
    await send(a, "a3")
    assert {await ack(b), await ack(a)} == {"b2", "a3"}
    assert applier.batches == [["a1"], ["b1", "a2"], ["b2", "a3"]]


async def test_a_client_that_left_is_not_waited_for(running: tuple[Listener, Applier]) -> None:
    listener, applier = running
    applier.release_first.set()
    a, b = await connect(listener), await connect(listener)
    await send(a, "a1")
    assert await ack(a) == "a1"
    await send(a, "a2")
    await send(b, "b1")
    assert {await ack(a), await ack(b)} == {"a2", "b1"}
    b[1].close()  # b hangs up; a goes on alone, and is not held back by the gather
    while listener.open_connections > 1:  # the listener saw b go
        await asyncio.sleep(0.01)
    await send(a, "a3")
    assert await ack(a) == "a3"  # would take the whole gather (LONG) if b were waited for
    assert applier.batches[-1] == ["a3"]
