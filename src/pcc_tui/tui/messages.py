"""Messages workers post to the UI thread (plain pydantic payloads, never ORM objects)."""

from __future__ import annotations

from textual.message import Message

from pcc_tui.core.domain.read_models import Queue


class QueueLoaded(Message):
    def __init__(self, queue: Queue) -> None:
        super().__init__()
        self.queue = queue


class WorkFailed(Message):
    def __init__(self, what: str, error: str) -> None:
        super().__init__()
        self.what = what
        self.error = error
