"""An MLLP listener (asyncio) for HL7 v2 from a hospital's interface engine.

Framing is python-hl7's MLLP stream reader and writer. Every connection reads a frame,
queues it and waits; one applier takes what is queued (in order of arrival, at most
`batch_max` at a time), applies it in a worker thread with one commit, and only then are the
ACKs written back. A group commit: before it applies, the applier waits a moment (at most
`gather` seconds) for the next message of each connection that sent in the batch before —
senders that wait for each ACK send again just after it, and without the wait they split
into a batch of one and a batch of the rest, paying two commits where one would do.
A client that disconnects mid-frame, sends a frame over the size limit or
goes quiet past the idle timeout is closed; nothing it sent half-way is applied. `stop()`
stops accepting, lets the batch in hand commit and be ACKed, then closes every connection.
Nothing here logs message content.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hl7.mllp import InvalidBlockError, start_hl7_server

from pcc_tui.core.interop.hl7_message import Refusal, decode, make_ack


@dataclass
class Counts:
    connections: int = 0
    frames: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    closed_idle: int = 0
    closed_oversize: int = 0
    closed_mid_frame: int = 0
    store_errors: int = 0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Listener:
    def __init__(
        self,
        apply: Callable[[Sequence[Any]], Sequence[Any]],
        make_item: Callable[[str], Any],
        *,
        host: str = "127.0.0.1",
        port: int = 2575,
        max_frame_bytes: int = 1_048_576,
        idle_timeout: float = 300.0,
        batch_max: int = 200,
        gather: float = 0.005,
        now_text: Callable[[], str],
    ) -> None:
        self.apply, self.make_item = apply, make_item
        self.host, self.port = host, port
        self.max_frame, self.idle, self.batch_max = max_frame_bytes, idle_timeout, batch_max
        self.gather = gather
        self.now_text = now_text
        self.counts = Counts()
        self._queue: asyncio.Queue[tuple[Any, asyncio.Future[Any], Any]] = asyncio.Queue()
        self._arrived = asyncio.Event()  # set whenever a frame is queued
        self._senders: set[Any] = set()  # connections with a message in the last batch
        self._writers: set[Any] = set()
        self._server: asyncio.Server | None = None
        self._applier: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def open_connections(self) -> int:
        return len(self._writers)

    async def start(self) -> int:
        """Bind and start serving; returns the port (useful with port 0)."""
        self._server = await start_hl7_server(
            self._client, self.host, self.port, limit=self.max_frame
        )
        self._applier = asyncio.create_task(self._apply_loop())
        sockets = self._server.sockets or []
        self.port = int(sockets[0].getsockname()[1]) if sockets else self.port
        return self.port

    async def stop(self) -> None:
        """Stop accepting; everything already queued is applied and ACKed; then close."""
        self._stopping = True
        if self._server is not None:
            self._server.close()
        await self._queue.join()
        if self._applier is not None:
            self._applier.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._applier
        for writer in list(self._writers):
            writer.close()
        if self._server is not None:
            await self._server.wait_closed()

    async def _client(self, reader: Any, writer: Any) -> None:
        self.counts.connections += 1
        self._writers.add(writer)
        try:
            while not self._stopping:
                try:
                    block = await asyncio.wait_for(reader.readblock(), self.idle)
                except TimeoutError:
                    self.counts.closed_idle += 1
                    return
                except asyncio.IncompleteReadError as exc:
                    if exc.partial:
                        self.counts.closed_mid_frame += 1  # nothing of it is applied
                    return
                except ValueError:  # over the frame limit: refused, then closed
                    self.counts.closed_oversize += 1
                    refusal = Refusal(
                        "AR", f"the frame is over the {self.max_frame} bytes this listener takes"
                    )
                    writer.writeblock(make_ack("", "AR", self.now_text(), "ACK0", refusal).encode())
                    await writer.drain()
                    return
                except (InvalidBlockError, ConnectionError):
                    return
                self.counts.frames += 1
                done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
                await self._queue.put((self.make_item(decode(block)), done, writer))
                self._arrived.set()
                try:
                    result = await done
                except Exception:
                    return  # not committed: no ACK; the sender sends it again
                writer.writeblock(result.ack.encode("utf-8"))
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _apply_loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            # Everything taken from the queue is marked done whatever happens, and the loop
            # goes on: an applier that died would leave every sender, and stop(), waiting.
            try:
                await self._gather(batch)
                self._senders = {writer for _, _, writer in batch}
                results = await asyncio.to_thread(self.apply, [item for item, _, _ in batch])
                delivered = list(zip(batch, results, strict=True))
            except Exception as exc:  # the database is down: nothing committed, nothing ACKed
                self.counts.store_errors += 1
                for _, done, _ in batch:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for (_, done, _), result in delivered:
                    outcome = getattr(result, "outcome", "?")
                    self.counts.by_outcome[outcome] = self.counts.by_outcome.get(outcome, 0) + 1
                    if not done.done():
                        done.set_result(result)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _gather(self, batch: list[tuple[Any, asyncio.Future[Any], Any]]) -> None:
        """Take what is queued; then, for at most `gather` seconds, what the connections of
        the last batch still open send next (a connection has one message at a time here)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.gather
        while len(batch) < self.batch_max:
            while len(batch) < self.batch_max and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            expected = (self._senders & self._writers) | {writer for _, _, writer in batch}
            left = deadline - loop.time()
            if len(batch) >= min(len(expected), self.batch_max) or left <= 0 or self._stopping:
                return
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)
