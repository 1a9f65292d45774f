"""Coverage: payers and eligibility, prior auths with units and decision clock, referrals,
and what is missing before the next appointment."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from pcc_tui.core.domain.read_models import CoverageChecklist
from pcc_tui.tui.panels.base import Panel


def clock(due: datetime, now: datetime) -> str:
    """A decision-due clock: 'due in 5h', 'overdue 2d 3h'."""
    seconds = int((due - now).total_seconds())
    span = abs(seconds)
    days, hours = span // 86400, (span % 86400) // 3600
    text = f"{days}d {hours}h" if days else f"{hours}h {(span % 3600) // 60}m"
    return f"due in {text}" if seconds >= 0 else f"OVERDUE {text}"


def render_coverage(cov: CoverageChecklist, now: datetime, tz: tzinfo) -> Text:
    out = Text()
    if cov.next_appointment:
        when = cov.next_appointment.start.astimezone(tz).strftime("%a %d %b %H:%M")
        out.append(f"Before next appointment {when}:\n", style="bold")
    else:
        out.append("Before the open plan steps:\n", style="bold")
    if cov.missing:
        for item in cov.missing:
            out.append(f"  [ ] {item}\n", style="bold")
    else:
        out.append("  [x] nothing missing\n")
    out.append("\nCoverage\n", style="underline")
    if not cov.coverages:
        out.append("  none on file\n", style="bold")
    for e in cov.coverages:
        c = e.coverage
        check = e.last_check
        checked = (
            f"verified {check.checked_at.astimezone(tz):%d %b %Y} ({check.result.value})"
            if check
            else "never verified"
        )
        stale = "  STALE" if e.eligibility_stale else ""
        out.append(f"  {c.order}. {c.payer} {c.plan or ''} #{c.member_id[-4:]}  {c.status.value}\n")
        out.append(f"     {checked}{stale}\n", style="bold" if stale else "")
    out.append("\nPrior authorisations\n", style="underline")
    if not cov.auths:
        out.append("  none\n", style="dim")
    for a in cov.auths:
        auth = a.auth
        line = f"  {auth.service}: {auth.decision.value}"
        if auth.decision.value == "pended":
            line += f"  {clock(auth.decision_due, now)}" + (" expedited" if auth.expedited else "")
        if a.units_left is not None:
            line += f"  units {auth.units_used}/{auth.units_approved} used, {a.units_left} left"
        if auth.valid_to:
            line += f"  valid to {auth.valid_to:%d %b}" + (" EXPIRED" if a.expired else "")
        out.append(line + "\n", style="bold" if a.decision_overdue or a.expired else "")
    out.append("\nReferrals\n", style="underline")
    if not cov.referrals:
        out.append("  none\n", style="dim")
    for r in cov.referrals:
        ref = r.referral
        overdue = "  REPLY OVERDUE" if r.reply_overdue else ""
        out.append(
            f"  {ref.to_whom}: {ref.tracking.value}, reply due {ref.reply_due:%d %b}{overdue}\n",
            style="bold" if overdue else "",
        )
    return out


class CoveragePanel(Panel):
    TITLE = "Coverage"
    NUMBER = 4

    def compose(self):  # type: ignore[no-untyped-def]
        with VerticalScroll(id="coverage-scroll"):
            yield Static("", id="coverage-body")

    def focus_target(self) -> VerticalScroll:
        return self.query_one("#coverage-scroll", VerticalScroll)

    def show(self, cov: CoverageChecklist, now: datetime, tz: tzinfo) -> None:
        self.query_one("#coverage-body", Static).update(render_coverage(cov, now, tz))

    def clear(self) -> None:
        self.query_one("#coverage-body", Static).update("")
