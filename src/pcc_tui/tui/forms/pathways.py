"""Care pathways: start one for the patient at an anchor date (`p`), move a plan's anchor (`A`)."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.domain.pathways import PathwayTemplate
from pcc_tui.core.domain.read_models import TimelineEntry
from pcc_tui.core.libraries import TemplateFileError, load_pathways
from pcc_tui.core.services import pathways
from pcc_tui.tui.forms.base import FormEnv, NoTarget, form, need_patient
from pcc_tui.tui.screens.form import FormField, FormScreen
from pcc_tui.tui.selection import Selection


def _templates() -> dict[str, PathwayTemplate]:
    try:
        found = load_pathways()
    except TemplateFileError as exc:  # a broken site file: say which, start nothing
        raise NoTarget(f"pathway template refused: {exc}") from exc
    if not found:
        raise NoTarget("no pathway templates are installed")
    return found


def start_pathway_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    who = env.who(patient)
    templates = _templates()
    choices = [(f"{t.title} ({t.anchor.value})", t.id) for t in templates.values()]

    def submit(values: dict[str, Any], version: int | None) -> str:
        template = templates[values["template"]]
        pathways.start_pathway(env.store, env.actor, patient.id, template, values["anchor"])
        return (
            f"{who}: {template.title} started, {len(template.steps)} steps "
            f"from {values['anchor']:%a %d %b}"
        )

    return form(
        env,
        sel,
        "Start a care pathway",
        [
            FormField("template", "Pathway", "choice", choices, "", True),
            FormField("anchor", "Anchor date", "date", required=True, example="t, t-2d, mon"),
        ],
        submit,
        intro="Steps are timed from the anchor: the discharge, surgery, diagnosis, "
        "treatment start or confirmation date the pathway names.",
    )


def _anchored_entry(sel: Selection) -> TimelineEntry:
    entry = sel.step if sel.panel == "timeline" else None
    if entry is None and sel.timeline is not None:
        entry = next((e for e in sel.timeline.entries if e.plan_anchor_date), None)
    if entry is None or entry.plan_anchor_date is None:
        raise NoTarget("select a step of a pathway plan in the timeline (3)")
    return entry


def move_anchor_form(env: FormEnv, sel: Selection) -> FormScreen:
    entry = _anchored_entry(sel)
    who = env.who(sel.patient)
    kind = entry.plan_anchor_kind.value if entry.plan_anchor_kind else "anchor"

    def submit(values: dict[str, Any], version: int | None) -> str:
        moved = pathways.move_anchor(
            env.store,
            env.actor,
            entry.step.care_plan_id,
            version or entry.plan_version,
            values["anchor"],
        )
        return (
            f"{who}: {kind} date moved to {values['anchor']:%a %d %b}; "
            f"{moved} unfinished step(s) moved with it"
        )

    return form(
        env,
        sel,
        f"Move the {kind} date: {entry.plan_title}",
        [FormField("anchor", f"New {kind} date", "date", required=True, example="t+3d")],
        submit,
        intro=f"Now {entry.plan_anchor_date:%a %d %b %Y}. Unfinished steps move with it; "
        "finished ones stay.",
    )
