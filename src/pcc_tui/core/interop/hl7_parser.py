"""HL7 v2 parsing in a process of its own, beside the one that applies messages.

Parsing (python-hl7) and reading out the fields the mapping uses cost about half of each
message's time in a backlog; in a second process they run on the other core while the
intake applies the messages parsed before. A parsed message comes back as its values
(`Message.__getstate__`), which cost a tenth of the parse to take in. Messages are still
applied in order of arrival: each carries its own future, and the intake waits for them in
order. Should the parser process fail, the intake parses in its own process (`Intake`):
nothing is lost, only slower. The parser never logs and never sees the database.
"""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import Future, ProcessPoolExecutor

from pcc_tui.core.interop.hl7_message import Message, Refusal, read

Parsed = tuple[str, Message | Refusal]


def _quiet() -> None:
    # Ctrl-C in a terminal reaches the whole process group: the listener or import stops
    # itself in order (applying what it took in) and then ends this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ParserProcess:
    def __init__(self) -> None:
        # A fresh interpreter ("spawn"): the parent holds threads and database connections
        # that a forked child must not inherit.
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet
        )
        self._pool.submit(read, "")  # start it now, not with the first message

    def submit(self, text: str) -> Future[Parsed] | None:
        """The message's parse, started; None if the parser process is gone."""
        try:
            return self._pool.submit(read, text)
        except RuntimeError:  # BrokenProcessPool, or shut down
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
