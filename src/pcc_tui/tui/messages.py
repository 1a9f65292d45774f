"""Messages workers post to the UI thread (plain pydantic payloads, never ORM objects)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.message import Message

from pcc_tui.core.domain.read_models import CoverageChecklist, PatientChart, Queue, Timeline
from pcc_tui.core.errors import StoreUnavailable
from pcc_tui.core.services.live import Change
from pcc_tui.tui.wording import plain_refusal

RELOAD = ""  # a form dismissed without a change of ours, but what is shown is stale: reload

if TYPE_CHECKING:
    from pcc_tui.tui.selection import Selection


class QueueLoaded(Message):
    def __init__(self, queue: Queue) -> None:
        super().__init__()
        self.queue = queue


class PatientLoaded(Message):
    """Chart, timeline and coverage of one patient, loaded together in one worker."""

    def __init__(
        self,
        chart: PatientChart,
        timeline: Timeline,
        coverage: CoverageChecklist,
        viewers: list[str] | None = None,
    ) -> None:
        super().__init__()
        self.chart = chart
        self.timeline = timeline
        self.coverage = coverage
        self.viewers = viewers or []  # who else has this patient open


class ActionDone(Message):
    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary


class WorkFailed(Message):
    def __init__(self, what: str, error: str, offline: bool = False) -> None:
        super().__init__()
        self.what = what
        self.error = error
        self.offline = offline  # the database was unreachable

    @classmethod
    def of(cls, what: str, exc: Exception) -> WorkFailed:
        return cls(what, plain_refusal(str(exc)), offline=isinstance(exc, StoreUnavailable))


class Changed(Message):
    """Other sessions committed these changes (from the change feed)."""

    def __init__(self, changes: list[Change]) -> None:
        super().__init__()
        self.changes = changes


class Connectivity(Message):
    """The change feed lost (online=False, next try in `retry` s) or regained the database."""

    def __init__(self, online: bool, retry: float) -> None:
        super().__init__()
        self.online = online
        self.retry = retry


class PresenceLoaded(Message):
    def __init__(self, patient_id: int, viewers: list[str]) -> None:
        super().__init__()
        self.patient_id = patient_id
        self.viewers = viewers


class RecordClosed(Message):
    """The patient's record may not be opened: break the glass, or never (own record)."""

    def __init__(self, patient_id: int, reason: str, can_break_glass: bool) -> None:
        super().__init__()
        self.patient_id = patient_id
        self.reason = reason
        self.can_break_glass = can_break_glass


class Unlocked(Message):
    pass


class DetailsForAction(Message):
    """The selection's patient details are loaded: open the form the key asked for."""

    def __init__(self, selection: Selection, build: Any) -> None:
        super().__init__()
        self.selection = selection
        self.build = build


class UndoAsk(Message):
    """The last change is about a patient not on screen: ask before undoing it."""

    def __init__(self, words: str, seq: int) -> None:
        super().__init__()
        self.words = words
        self.seq = seq


class IntakeLogReady(Message):
    """The intake log is read: show it."""

    def __init__(self, entries: list[Any]) -> None:
        super().__init__()
        self.entries = entries


class HistoryReady(Message):
    """A record's history is read: show it (the handler opens the screen)."""

    def __init__(self, title: str, entries: list[Any]) -> None:
        super().__init__()
        self.title = title
        self.entries = entries
