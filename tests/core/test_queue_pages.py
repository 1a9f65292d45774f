"""The whole hospital's queue ("everyone") comes a page at a time, by keyset: the pages,
one after another, are the queue in order, with nothing missed and nothing twice."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from pcc_tui.core.domain.codes import PRIORITY_RANK
from pcc_tui.core.domain.read_models import QueueItem, QueueScope
from pcc_tui.core.services.context import Actor, resolve_actor
from pcc_tui.core.services.reads import queue_request
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.queue import EVERYONE_PAGE, QueueRequest, load_queue
from pcc_tui.core.store.queries.queue_keyset import KIND_ORDER
from pcc_tui.core.store.tables import CoordinatorRow


def supervisor(store: Store) -> Actor:
    with store.reading() as s:
        name = s.scalars(
            select(CoordinatorRow.username).where(CoordinatorRow.role == "supervisor")
        ).first()
    assert name is not None
    return resolve_actor(store, name)


def place(item: QueueItem) -> tuple[int, object, int, int]:
    return PRIORITY_RANK[item.priority], item.when, KIND_ORDER[item.kind], item.entity_id


def pages(store: Store, req: QueueRequest, size: int) -> list[QueueItem]:
    items: list[QueueItem] = []
    after = None
    for _ in range(1000):
        with store.reading() as s:
            page = load_queue(s, replace(req, limit=size, after=after))
        assert len(page.items) <= min(size, EVERYONE_PAGE)
        assert page.items or after is None, "a next page was promised and came empty"
        items += page.items
        if page.next_page is None:
            return items
        assert page.next_page == place_page(page.items[-1])
        after = page.next_page
    raise AssertionError("no last page")


def test_pages_of_everyone_are_the_queue_in_order(demo: tuple[Store, Actor]) -> None:
    store, _ = demo
    req = queue_request(store, supervisor(store), QueueScope.ALL)
    with store.reading() as s:
        first = load_queue(s, req)
    assert first.next_page is not None and len(first.items) == EVERYONE_PAGE
    assert not first.capped
    whole = pages(store, req, EVERYONE_PAGE)
    # Nothing missed: each kind's count (its own query, no pages) is what the pages held.
    for kind, n in first.counts.items():
        assert sum(1 for i in whole if i.kind is kind) == n, kind
    # Nothing twice, and in order: priority, time, kind, id. Steps and referrals fall due at
    # a day's midnight, so ties on time across kinds and within one are common here.
    assert len({(i.kind, i.entity_id) for i in whole}) == len(whole)
    assert [place(i) for i in whole] == sorted(place(i) for i in whole)
    assert whole[:EVERYONE_PAGE] == first.items
    for size in (1, 7, 16):
        assert pages(store, req, size) == whole, size


def place_page(item: QueueItem) -> object:
    from pcc_tui.core.domain.read_models import QueuePage

    return QueuePage(
        rank=PRIORITY_RANK[item.priority], when=item.when, kind=item.kind, entity_id=item.entity_id
    )
