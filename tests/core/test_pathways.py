"""Care-pathway templates and anchored plans, on both databases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from pcc_tui.core.domain.codes import AnchorKind, AuditOutcome, StepNeed, TaskStatus
from pcc_tui.core.errors import ConflictError, DomainError
from pcc_tui.core.libraries import TemplateFileError, load_pathways, read_template
from pcc_tui.core.services import pathways, plans
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.reads import view_queue, view_timeline
from pcc_tui.core.services.undo import undo_last
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.tables import AuditEventRow, CarePlanRow, PlanStepRow, StepDependencyRow
from tests import builders

SHIPPED = {
    "heart-failure-30d": AnchorKind.DISCHARGE,
    "type2-diabetes-new": AnchorKind.DIAGNOSIS,
    "knee-replacement": AnchorKind.SURGERY,
    "chemo-start": AnchorKind.TREATMENT_START,
    "copd-exacerbation": AnchorKind.DISCHARGE,
    "pregnancy-first-trimester": AnchorKind.CONFIRMATION,
    # Started by the hospital feed's discharge rule (3 steps: the clocks of 99495/99496).
    "transitional-care-moderate": AnchorKind.DISCHARGE,
    "transitional-care-high": AnchorKind.DISCHARGE,
}


def test_shipped_templates_are_realistic(tmp_path: Path) -> None:
    found = load_pathways(tmp_path)  # an empty site folder: shipped templates only
    assert {k: t.anchor for k, t in found.items()} == SHIPPED
    for name in ("transitional-care-moderate", "transitional-care-high"):
        tcm = found.pop(name)
        assert [s.key for s in tcm.steps] == ["contact", "face-to-face", "med-rec"]
        assert (tcm.steps[0].day, tcm.steps[0].business) == (2, True)
    assert found["heart-failure-30d"].steps[0].business  # the call never lands on a Sunday
    for template in found.values():
        assert 6 <= len(template.steps) <= 15, template.id
        assert any(s.after for s in template.steps), template.id
        assert any(s.needs for s in template.steps), template.id
    needs = {n for t in found.values() for s in t.steps for n in s.needs}
    assert needs == set(StepNeed)
    knee = found["knee-replacement"]
    assert min(s.day for s in knee.steps) < 0 < max(s.day for s in knee.steps)  # pre- and post-op


def test_a_site_template_adds_or_replaces(tmp_path: Path) -> None:
    (tmp_path / "hf.toml").write_text(
        'id = "heart-failure-30d"\ntitle = "HF (our site)"\nanchor = "discharge"\n'
        '[[steps]]\nkey = "call"\ntitle = "Call"\nday = 1\n'
    )
    found = load_pathways(tmp_path)
    assert found["heart-failure-30d"].title == "HF (our site)"
    assert len(found) == len(SHIPPED)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[steps]]\nkey = "b"\ntitle = "B"\nday = 1\nafter = ["a"]\n', "'a', which is not an"),
        ('[[steps]]\nkey = "a"\ntitle = "A"\nday = 1\nowner = "x"\n', "steps.0.owner"),
        ('[[steps]]\nkey = "a"\ntitle = "A"\nday = 9999\n', "steps.0.day"),
        ("[[steps]\n", "bad.toml"),
    ],
)
def test_a_bad_template_file_is_named(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('id = "x"\ntitle = "X"\nanchor = "surgery"\n' + body)
    with pytest.raises(TemplateFileError, match=r"bad\.toml") as caught:
        read_template(path)
    assert message in str(caught.value)
    with pytest.raises(TemplateFileError):
        load_pathways(tmp_path)  # never silently skipped


def _steps(store: Store, plan_id: int) -> dict[str, PlanStepRow]:
    with store.reading() as s:
        rows = s.scalars(select(PlanStepRow).where(PlanStepRow.care_plan_id == plan_id)).all()
        for row in rows:
            s.expunge(row)
    return {r.title: r for r in rows}


def test_start_a_pathway_at_an_anchor(store: Store, coordinator: Actor, tmp_path: Path) -> None:
    template = load_pathways(tmp_path)["knee-replacement"]
    pid = builders.patient(store, coordinator)
    surgery = store.clock.today() + timedelta(days=10)
    plan_id = pathways.start_pathway(store, coordinator, pid, template, surgery)
    steps = _steps(store, plan_id)
    assert len(steps) == len(template.steps)
    for t in template.steps:
        row = steps[t.title]
        assert row.due_by == surgery + timedelta(days=t.day)
        assert row.anchor_offset == t.day
        assert row.due_from == (row.due_by - timedelta(days=t.window) if t.window else None)
        assert (row.owner_pool, row.owner_id) == (
            (t.pool, None) if t.pool else (None, coordinator.coordinator_id)
        )
        assert row.needs == [n.value for n in t.needs]
    with store.reading() as s:
        plan = s.get(CarePlanRow, plan_id)
        assert plan is not None
        assert (plan.anchor_kind, plan.anchor_date, plan.template) == (
            "surgery",
            surgery,
            "knee-replacement",
        )
        deps = s.execute(select(StepDependencyRow.step_id, StepDependencyRow.depends_on_id)).all()
        audit = s.scalars(select(AuditEventRow).order_by(AuditEventRow.seq.desc())).first()
    preop_call = steps["Pre-op call: fasting, medicines to stop, transport"]
    assert {d for s_, d in deps if s_ == preop_call.id} == {
        steps["Pre-operative assessment clinic"].id,
        steps["Prior authorisation for the surgery"].id,
    }
    assert audit is not None and audit.action == "care_plan.start_pathway"
    assert audit.patient_id == pid and audit.outcome == AuditOutcome.SUCCESS
    # Pre-op steps already due show up in today's queue and on the timeline.
    queue = view_queue(store, coordinator)
    assert "Prior authorisation for the surgery" in {i.title for i in queue.items}
    timeline = view_timeline(store, coordinator, pid)
    assert len(timeline.entries) == len(template.steps)


def test_a_step_waits_for_its_dependencies(
    store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    template = load_pathways(tmp_path)["copd-exacerbation"]
    pid = builders.patient(store, coordinator)
    plan_id = pathways.start_pathway(store, coordinator, pid, template, store.clock.today())
    steps = _steps(store, plan_id)
    inhaler = steps["Inhaler technique check"]
    call = steps["Post-discharge call: breathing, steroids, antibiotics"]
    with pytest.raises(DomainError, match=f"first finish step {call.id} \\(due"):
        plans.complete_step(store, coordinator, inhaler.id, inhaler.version)
    plans.complete_step(store, coordinator, call.id, call.version)
    plans.complete_step(store, coordinator, inhaler.id, inhaler.version)


def test_moving_the_anchor_moves_unfinished_steps(
    store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    template = load_pathways(tmp_path)["heart-failure-30d"]
    pid = builders.patient(store, coordinator)
    discharge = store.clock.today() - timedelta(days=3)
    plan_id = pathways.start_pathway(store, coordinator, pid, template, discharge)
    before = _steps(store, plan_id)
    done = before["Post-discharge phone call (symptoms, weight, medicines)"]
    plans.complete_step(store, coordinator, done.id, done.version)

    later = discharge + timedelta(days=4)  # the patient stayed in four more days
    moved = pathways.move_anchor(store, coordinator, plan_id, 1, later)
    assert moved == len(template.steps) - 1
    after = _steps(store, plan_id)
    for title, row in after.items():
        if title == done.title:
            assert row.due_by == done.due_by and row.status == TaskStatus.COMPLETED
        else:
            assert row.due_by == before[title].due_by + timedelta(days=4)
            if before[title].due_from:
                assert row.due_from == before[title].due_from + timedelta(days=4)
    with store.reading() as s:
        plan = s.get(CarePlanRow, plan_id)
        assert plan is not None and plan.anchor_date == later and plan.version == 2

    with pytest.raises(ConflictError):  # someone else's view of the plan is stale now
        pathways.move_anchor(store, coordinator, plan_id, 1, later + timedelta(days=1))
    with pytest.raises(DomainError, match="already on that date"):
        pathways.move_anchor(store, coordinator, plan_id, 2, later)

    assert undo_last(store, coordinator).startswith("pathway anchor moved for ")
    restored = _steps(store, plan_id)
    assert {t: r.due_by for t, r in restored.items()} == {t: r.due_by for t, r in before.items()}


def test_a_plan_without_an_anchor_cannot_be_moved(store: Store, coordinator: Actor) -> None:
    pid = builders.patient(store, coordinator)
    plan_id, _ = builders.plan(store, coordinator, pid, store.clock.today())
    with pytest.raises(DomainError, match="no anchor date"):
        pathways.move_anchor(store, coordinator, plan_id, 1, store.clock.today())
