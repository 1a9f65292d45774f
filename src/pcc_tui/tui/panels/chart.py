"""The chart: banner, contacts with consent scope, care team, problems, recent contacts, notes."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType

from pcc_tui.core.domain.consent_rules import in_force
from pcc_tui.core.domain.phones import show_phone
from pcc_tui.core.domain.read_models import PatientChart
from pcc_tui.core.domain.relative_dates import short_day, short_time
from pcc_tui.tui import keys
from pcc_tui.tui.panels.base import Panel
from pcc_tui.tui.text_pane import TextPane

EMPTY = "No patient: move the queue cursor onto one, or press : and type a name or MRN."


def render_chart(
    chart: PatientChart,
    tz: tzinfo,
    viewers: list[str] | None,
    region: str,
    today: date,
) -> Text:
    """`today` (the store clock's) decides which consent holds."""
    p = chart.patient
    out = Text()
    if viewers:
        out.append("Also open now: " + ", ".join(viewers) + "\n", style="bold reverse")
    out.append(f"{p.family_name.upper()}, {p.given_name}", style="bold")
    out.append(f"  {p.mrn}  {chart.age}y {p.sex.value[:1].upper()}")
    if p.ward:
        out.append(f"  {p.ward} bed {p.bed or '-'}")
    out.append("\n")
    if p.preferred_language:
        out.append(f"Language {p.preferred_language}  ")
    phones = " / ".join(show_phone(n, region) for n in (p.phone, p.phone_other) if n)
    if phones:
        out.append(f"Phone {phones}  ")
    if chart.coordinator_name:
        out.append(f"Coordinator {chart.coordinator_name}")
    out.append("\n")
    if p.flags:
        out.append("Flags: " + ", ".join(p.flags) + "\n", style="bold")
    if chart.unreadable:  # damaged rows left out, named by id (and logged)
        out.append("Unreadable, left out: " + ", ".join(chart.unreadable) + "\n", style="bold")
    if chart.merges:
        joined = ", ".join(f"{m.merged_mrn} ({m.merged_at:%d %b %Y})" for m in chart.merges)
        out.append(f"Merged with the record of MRN {joined}\n", style="bold")
    if chart.stays:
        render_stays(out, chart, tz)
    out.append("\nContacts\n", style="underline")
    if not chart.contacts:
        out.append("  none recorded\n", style="dim")
    for c in chart.contacts:
        held = in_force(chart.consents, c, today)
        style = "" if held.decision.value == "agreed" and not held.expired else "bold"
        reach = " / ".join(show_phone(n, region) for n in (c.phone, c.phone_other) if n)
        out.append(f"  {c.name} ({c.relationship}) {reach}  ")
        out.append(Text(held.words(), style="italic" if held.given_on is None else style))
        if held.verification:
            out.append(f"  verify: {held.verification}", style="dim")
        out.append("\n")
    out.append("\nCare team\n", style="underline")
    for m in chart.care_team:
        out.append(
            f"  {m.practitioner_name}  {m.member.role}"
            + (f" ({m.specialty})" if m.specialty else "")
            + "\n"
        )
    out.append("\nActive problems\n", style="underline")
    for pr in chart.problems:
        out.append(f"  {pr.display}" + (f"  since {pr.onset:%Y}" if pr.onset else "") + "\n")
    out.append("\nUpcoming\n", style="underline")
    for a in chart.upcoming:
        local = a.appointment.start.astimezone(tz)
        when = f"{short_day(local.date(), today)} {local:%H:%M}"
        confirm = "" if a.appointment.patient_status.value == "accepted" else "  UNCONFIRMED"
        out.append(
            f"  {when}  {a.appointment.reason or 'Appointment'}"
            f" - {a.practitioner_name or '?'}{confirm}\n"
        )
    if chart.past:
        render_past(out, chart, tz, today)
    out.append("\nRecent contacts\n", style="underline")
    for cm in chart.communications:
        when = short_time(cm.sent_at, today, tz)
        out.append(
            f"  {when}  {cm.channel.value} {cm.direction.value} {cm.with_whom}:"
            f" {cm.outcome.value}" + (f" - {cm.note}" if cm.note else "") + "\n"
        )
    if chart.education:
        out.append("\nEducation given\n", style="underline")
        for ed in chart.education:
            when = short_day(ed.given_at.astimezone(tz).date(), today, weekday=False)
            out.append(f"  {when}  {ed.topic_title} - to {ed.given_to} ({ed.channel.value})\n")
    out.append("\nNotes\n", style="underline")
    for n in chart.notes:
        when = (
            short_day(n.created_at.astimezone(tz).date(), today, weekday=False)
            if n.created_at
            else ""
        )
        out.append(f"  {when}  {n.author or ''}: {n.text}\n")
    return out


def render_past(out: Text, chart: PatientChart, tz: tzinfo, today: date) -> None:
    """The latest visits, newest first: when, class, reason, who and where."""
    more = (
        f" (latest {len(chart.past)} of {chart.past_count})"
        if chart.past_count > len(chart.past)
        else ""
    )
    out.append("\nPast visits", style="underline")
    out.append(f"{more}\n", style="dim")
    for a in chart.past:
        visit = a.appointment
        when = short_day(visit.start.astimezone(tz).date(), today, weekday=False)
        kind = f" {visit.visit_class}" if visit.visit_class else ""
        status = "" if visit.status.value == "fulfilled" else f" ({visit.status.value})"
        who = f" - {a.practitioner_name}" if a.practitioner_name else ""
        where = f" @ {visit.location}" if visit.location else ""
        out.append(f"  {when}{kind}  {visit.reason or 'Visit'}{status}{who}{where}\n")


def render_stays(out: Text, chart: PatientChart, tz: tzinfo) -> None:
    """The hospital stays the feed reported, newest first, each with its events."""
    out.append("\nHospital\n", style="underline")
    for stay in chart.stays:
        admitted = _when(stay.admitted_at, tz)
        place = " ".join(p for p in (stay.ward, stay.bed) if p)
        line = f"  {stay.status}: {stay.patient_class}"
        line += f" {place}" if place else ""
        line += f" from {admitted}" if admitted else ""
        if stay.discharged_at:
            line += f" to {_when(stay.discharged_at, tz)}"
        if stay.attending:
            line += f", attending {stay.attending}"
        out.append(line + "\n")
        for event in stay.events[:6]:
            style = "dim strike" if event.voided else "dim"
            mark = " (cancelled)" if event.voided else ""
            out.append(
                f"    {_when(event.at, tz)}  {event.event} {event.summary}{mark}\n", style=style
            )


def _when(at: datetime | None, tz: tzinfo) -> str:
    return at.astimezone(tz).strftime("%d %b %Y %H:%M") if at else ""


class ChartPanel(Panel):
    TITLE = "Chart"
    NUMBER = 2
    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("chart"))

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.patient_id: int | None = None

    def compose(self) -> ComposeResult:
        yield TextPane(EMPTY, id="chart-body")

    def focus_target(self) -> TextPane:
        return self.query_one("#chart-body", TextPane)

    def show(
        self,
        chart: PatientChart,
        tz: tzinfo,
        viewers: list[str] | None,
        region: str,
        today: date,
    ) -> None:
        body = render_chart(chart, tz, viewers, region, today)
        # Another patient: start at the banner, so no detail shows without its name.
        self.focus_target().update(body, top=chart.patient.id != self.patient_id)
        self.patient_id = chart.patient.id

    def clear(self, reason: str = EMPTY) -> None:
        self.patient_id = None
        self.focus_target().update(reason, top=True)
