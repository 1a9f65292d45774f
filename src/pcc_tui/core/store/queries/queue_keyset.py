"""Pages of the whole hospital's queue ("everyone"), read by keyset.

Every item has one place in the queue: priority, then time, then kind, then id. For
"everyone", each kind is read as a few *streams*, one per priority (and per status where an
index leads with it), each in its index's order of time then id, so each stream is already
in queue order. The next page is the first rows of each stream after the last item shown,
merged, priority by priority: each stream is read for only the rows the page still lacks,
from its index, wherever the page starts, so a page costs the same at ten thousand patients
as at a million.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Date, bindparam, tuple_

from pcc_tui.core.domain.read_models import QueueKind, QueuePage

KIND_ORDER: dict[QueueKind, int] = {kind: i for i, kind in enumerate(QueueKind)}


@dataclass(frozen=True)
class Stream:
    """Rows of one kind that share a priority, in queue order by `when` then `ident`."""

    where: tuple[ColumnElement[bool], ...]
    rank: int  # PRIORITY_RANK of every item it yields
    when: Any  # the column the item's time comes from
    ident: Any  # the column (or expression) that is the item's entity id
    by_day: bool = False  # `when` is a date: the item's time is its midnight UTC

    def key(self, kind: QueueKind, when: Any, ident: int) -> tuple[int, datetime, int, int]:
        """This stream's row's place in the queue (`when` and `ident` as read)."""
        at = datetime.combine(when, time.min, tzinfo=UTC) if self.by_day else when
        return self.rank, at, KIND_ORDER[kind], ident


@dataclass(frozen=True)
class PageShape:
    """What decides the SQL of a page after `QueuePage` (its values travel as parameters):
    statements are built and compiled once per shape."""

    rank: int
    kind: int
    midnight: bool  # the last item's time is a midnight (a date-only item's time)

    @classmethod
    def of(cls, page: QueuePage | None) -> PageShape | None:
        if page is None:
            return None
        midnight = page.when.astimezone(UTC).time() == time.min
        return cls(page.rank, KIND_ORDER[page.kind], midnight)


def page_params(page: QueuePage | None) -> dict[str, Any]:
    if page is None:
        return {}
    when = page.when.astimezone(UTC)
    return {"after_when": when, "after_day": when.date(), "after_id": page.entity_id}


def after(
    stream: Stream, kind: QueueKind, shape: PageShape | None
) -> list[ColumnElement[bool]] | None:
    """The stream's conditions for rows after the page's last item: none (all of it), one
    on its time and id that its index can seek to, or None when it is wholly before."""
    if shape is None or stream.rank > shape.rank:
        return []
    if stream.rank < shape.rank:
        return None
    return [_after_in_rank(stream, kind, shape)]


def _after_in_rank(stream: Stream, kind: QueueKind, shape: PageShape) -> ColumnElement[bool]:
    mine = KIND_ORDER[kind]
    if not stream.by_day:
        at = bindparam("after_when", type_=stream.when.type)
        if mine < shape.kind:
            return stream.when > at  # type: ignore[no-any-return]
        if mine > shape.kind:
            return stream.when >= at  # type: ignore[no-any-return]
        return tuple_(stream.when, stream.ident) > tuple_(at, bindparam("after_id"))
    day = bindparam("after_day", type_=Date)
    # A day's item stands at its midnight: it is after a time of that day only if that time
    # is the midnight itself and the kind or id comes later.
    if mine < shape.kind or not shape.midnight:
        return stream.when > day  # type: ignore[no-any-return]
    if mine > shape.kind:
        return stream.when >= day  # type: ignore[no-any-return]
    return tuple_(stream.when, stream.ident) > tuple_(day, bindparam("after_id"))


def page_of(key: tuple[int, datetime, int, int]) -> QueuePage:
    rank, when, kind, ident = key
    return QueuePage(rank=rank, when=when, kind=list(QueueKind)[kind], entity_id=ident)
