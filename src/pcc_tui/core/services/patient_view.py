"""Opening a patient in the cockpit: chart, timeline and coverage read in one transaction,
with one access check and one audit row naming all three, and this session's presence.

Three audited reads and a presence write cost five commits and three access checks; the
cockpit does this on every first cursor move, so it is one transaction here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pcc_tui.core.domain.read_models import CoverageChecklist, PatientChart, Timeline
from pcc_tui.core.services import presence
from pcc_tui.core.services.access import open_record
from pcc_tui.core.services.context import Actor, action
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.chart import load_chart
from pcc_tui.core.store.queries.coverage import load_coverage
from pcc_tui.core.store.queries.timeline import load_timeline

SHOWN = ("chart", "timeline", "coverage")


@dataclass(frozen=True)
class PatientView:
    chart: PatientChart
    timeline: Timeline
    coverage: CoverageChecklist
    viewers: list[str]  # other sessions with this patient open (empty unless announced)


def view_patient(store: Store, actor: Actor, patient_id: int, *, announce: bool) -> PatientView:
    """The patient's chart, timeline and coverage, audited as one `patient.chart.view` whose
    detail lists what was shown. `announce`: this session now has the patient open."""
    with action(store, actor, "patient.chart.view") as tx:
        until = open_record(tx, patient_id)
        today = store.clock.today()
        session = tx.session
        chart = load_chart(
            session, patient_id, today=today, now=tx.now, recent=store.policy.recent_items
        )
        timeline = load_timeline(session, patient_id, today=today)
        coverage = load_coverage(
            session,
            patient_id,
            today=today,
            now=tx.now,
            stale_days=store.policy.eligibility_stale_days,
        )
        tx.detail["shown"] = list(SHOWN)
        viewers: list[str] = []
        if announce:
            presence.mark(session, store, actor, patient_id)
            viewers = presence.others(session, store, patient_id)
    if until is not None:
        chart = chart.model_copy(update={"break_glass_until": until})
    return PatientView(chart, timeline, coverage, viewers)
