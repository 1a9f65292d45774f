"""Audited reads: opening a chart, a timeline, a coverage list, the queue, or searching."""

from __future__ import annotations

from dataclasses import replace

from pcc_tui.core.domain.read_models import (
    CoverageChecklist,
    PatientChart,
    Queue,
    QueuePage,
    QueueScope,
    SearchHit,
    Timeline,
)
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.access import open_record
from pcc_tui.core.services.context import Actor, action
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.chart import load_chart
from pcc_tui.core.store.queries.coverage import load_coverage
from pcc_tui.core.store.queries.queue import QueueRequest, load_queue
from pcc_tui.core.store.queries.search import search_patients
from pcc_tui.core.store.queries.timeline import load_timeline


def queue_request(
    store: Store, actor: Actor, scope: QueueScope, ward: str | None = None
) -> QueueRequest:
    if scope is QueueScope.MINE and actor.coordinator_id is None:
        raise DomainError(f"{actor.username} has no caseload of their own")
    ward = ward or actor.ward
    if scope is QueueScope.WARD and not ward:
        raise DomainError("choose a ward: this coordinator has no home ward")
    start, end = store.clock.day_bounds()
    ahead = store.policy.calendar.add_business_days(
        store.clock.today(), store.policy.confirm_ahead_business_days
    )
    return QueueRequest(
        scope=scope,
        today=store.clock.today(),
        day_start=start,
        day_end=end,
        confirm_until=store.clock.day_bounds(ahead)[1],
        now=store.clock.now(),
        coordinator_id=actor.coordinator_id,
        username=actor.username,
        pool=actor.pool,
        ward=ward,
        limit=store.policy.queue_limit,
    )


def view_queue(
    store: Store,
    actor: Actor,
    scope: QueueScope = QueueScope.MINE,
    ward: str | None = None,
    after: QueuePage | None = None,
) -> Queue:
    """The queue of `scope`; for everyone, the page after `after` (the first if None)."""
    req = replace(queue_request(store, actor, scope, ward), after=after)
    with action(store, actor, "queue.view") as tx:
        queue = load_queue(tx.session, req)
        tx.detail.update(scope=str(scope), ward=req.ward, items=len(queue.items))
        if after is not None:
            tx.detail["after"] = f"{after.kind}/{after.entity_id}"
        return queue


def view_chart(store: Store, actor: Actor, patient_id: int) -> PatientChart:
    with action(store, actor, "patient.chart.view") as tx:
        until = open_record(tx, patient_id)
        chart = load_chart(
            tx.session,
            patient_id,
            today=store.clock.today(),
            now=tx.now,
            recent=store.policy.recent_items,
        )
        return chart if until is None else chart.model_copy(update={"break_glass_until": until})


def view_timeline(store: Store, actor: Actor, patient_id: int) -> Timeline:
    with action(store, actor, "patient.timeline.view") as tx:
        open_record(tx, patient_id)
        return load_timeline(tx.session, patient_id, today=store.clock.today())


def view_coverage(store: Store, actor: Actor, patient_id: int) -> CoverageChecklist:
    with action(store, actor, "patient.coverage.view") as tx:
        open_record(tx, patient_id)
        return load_coverage(
            tx.session,
            patient_id,
            today=store.clock.today(),
            now=tx.now,
            stale_days=store.policy.eligibility_stale_days,
        )


def search(store: Store, actor: Actor, query: str, limit: int = 30) -> list[SearchHit]:
    with action(store, actor, "patient.search") as tx:
        hits = search_patients(tx.session, query, limit=limit)
        tx.detail.update(query=query, hits=len(hits))
        return hits
