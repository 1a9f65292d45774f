"""Care-pathway actions: start a pathway for the patient in the chart, move a plan's anchor."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pcc_tui.core.domain.pathways import PathwayTemplate
from pcc_tui.core.domain.read_models import TimelineEntry
from pcc_tui.core.libraries import TemplateFileError, load_pathways
from pcc_tui.core.services import pathways
from pcc_tui.tui.actions import NoTarget, form, patient_id
from pcc_tui.tui.screens.form import FormField, FormScreen

if TYPE_CHECKING:
    from pcc_tui.tui.app import PccApp


def _templates() -> dict[str, PathwayTemplate]:
    try:
        found = load_pathways()
    except TemplateFileError as exc:  # a broken site file: say which, start nothing
        raise NoTarget(f"pathway template refused: {exc}") from exc
    if not found:
        raise NoTarget("no pathway templates are installed")
    return found


def start_pathway_form(app: PccApp) -> FormScreen:
    pid = patient_id(app)
    templates = _templates()
    choices = [(f"{t.title} ({t.anchor.value})", t.id) for t in templates.values()]

    def submit(values: dict[str, Any], version: int | None) -> str:
        template = templates[values["template"]]
        pathways.start_pathway(app.store, app.actor, pid, template, values["anchor"])
        return f"Started: {template.title}, {len(template.steps)} steps from {values['anchor']}"

    return form(
        app,
        "Start a care pathway",
        [
            FormField("template", "Pathway", "choice", choices, "", True),
            FormField("anchor", "Anchor date", "date", required=True, placeholder="t, t+10d, mon"),
        ],
        submit,
        intro="Steps are timed from the anchor: the discharge, surgery, diagnosis, "
        "treatment start or confirmation date the pathway names.",
    )


def _anchored_entry(app: PccApp) -> TimelineEntry:
    entry = app.timeline_panel.current_entry() if app.focused_panel() == "timeline" else None
    if entry is None and app.timeline is not None:
        entry = next((e for e in app.timeline.entries if e.plan_anchor_date), None)
    if entry is None or entry.plan_anchor_date is None:
        raise NoTarget("select a step of a pathway plan in the timeline (3)")
    return entry


def move_anchor_form(app: PccApp) -> FormScreen:
    entry = _anchored_entry(app)
    kind = entry.plan_anchor_kind.value if entry.plan_anchor_kind else "anchor"

    def submit(values: dict[str, Any], version: int | None) -> str:
        moved = pathways.move_anchor(
            app.store,
            app.actor,
            entry.step.care_plan_id,
            version or entry.plan_version,
            values["anchor"],
        )
        return f"{kind.capitalize()} moved to {values['anchor']}; {moved} unfinished step(s) moved"

    return form(
        app,
        f"Move the {kind} date: {entry.plan_title}",
        [FormField("anchor", f"New {kind} date", "date", required=True, placeholder="t+3d")],
        submit,
        intro=f"Now {entry.plan_anchor_date}. Unfinished steps move with it; finished ones stay.",
    )
