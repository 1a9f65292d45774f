"""Coverage: payers and eligibility, prior auths with units and decision clock, referrals,
and what is missing before the next appointment."""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets.option_list import Option

from pcc_tui.core.domain.codes import show_member_id
from pcc_tui.core.domain.read_models import CoverageChecklist
from pcc_tui.tui.panels.base import Panel
from pcc_tui.tui.widgets import KeyList


def clock(due: datetime, now: datetime) -> str:
    """A decision-due clock: 'due in 5h', 'overdue 2d 3h'."""
    seconds = int((due - now).total_seconds())
    span = abs(seconds)
    days, hours = span // 86400, (span % 86400) // 3600
    text = f"{days}d {hours}h" if days else f"{hours}h {(span % 3600) // 60}m"
    return f"due in {text}" if seconds >= 0 else f"OVERDUE {text}"


Line = tuple[Text, str | None]  # the text, and the row's key when one can act on it


def coverage_lines(
    cov: CoverageChecklist, now: datetime, tz: tzinfo, ticks: tuple[str, str]
) -> list[Line]:
    """One line per row; coverages, pending auths and open referrals carry a key ("auth:12")
    so the cursor can pick them for `v`, `a` and `t`."""
    done, todo = ticks
    out: list[Line] = []

    def add(text: str, key: str | None = None, style: str = "") -> None:
        out.append((Text(text, style=style), key))

    if cov.next_appointment:
        when = cov.next_appointment.start.astimezone(tz).strftime("%a %d %b %H:%M")
        add(f"Before next appointment {when}:", style="bold")
    else:
        add("Before the open plan steps:", style="bold")
    for item in cov.missing:
        add(f"  {todo} {item}", style="bold")
    if not cov.missing:
        add(f"  {done} nothing missing")
    add("Coverage", style="underline")
    if not cov.coverages:
        add("  none on file", style="bold")
    for e in cov.coverages:
        c = e.coverage
        check = e.last_check
        checked = (
            f"verified {check.checked_at.astimezone(tz):%d %b %Y} ({check.result.value})"
            if check
            else "never verified"
        )
        stale = "  STALE" if e.eligibility_stale else ""
        member = show_member_id(c.member_id)
        # A rank (primary, secondary) means something only for coverage in force.
        rank = f"{c.order}." if c.status.value == "active" else "-"
        add(f"  {rank} {c.payer} {c.plan or ''} {member}  {c.status.value}", f"coverage:{c.id}")
        add(f"     {checked}{stale}", style="bold" if stale else "")
    add("Prior authorisations", style="underline")
    if not cov.auths:
        add("  none", style="dim")
    for a in cov.auths:
        auth = a.auth
        line = f"  {auth.service}: {auth.decision.value}"
        if auth.decision.value == "pended":
            line += f"  {clock(auth.decision_due, now)}" + (" expedited" if auth.expedited else "")
        if a.units_left is not None:
            line += f"  units {auth.units_used}/{auth.units_approved} used, {a.units_left} left"
        if auth.valid_to:
            line += f"  valid to {auth.valid_to:%d %b}" + (" EXPIRED" if a.expired else "")
        key = f"auth:{auth.id}" if auth.decision.value == "pended" else None
        add(line, key, style="bold" if a.decision_overdue or a.expired else "")
    add("Referrals", style="underline")
    if not cov.referrals:
        add("  none", style="dim")
    for r in cov.referrals:
        ref = r.referral
        overdue = "  REPLY OVERDUE" if r.reply_overdue else ""
        open_ = ref.tracking.value != "reply-received"
        add(
            f"  {ref.to_whom}: {ref.tracking.value}, reply due {ref.reply_due:%d %b}{overdue}",
            f"referral:{ref.id}" if open_ else None,
            style="bold" if overdue else "",
        )
    return out


class CoveragePanel(Panel):
    TITLE = "Coverage"
    NUMBER = 4

    def __init__(
        self, ticks: tuple[str, str], *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.ticks = ticks

    def compose(self) -> ComposeResult:
        yield KeyList(id="coverage-list")

    def focus_target(self) -> KeyList:
        return self.query_one(KeyList)

    def show(self, cov: CoverageChecklist, now: datetime, tz: tzinfo) -> None:
        rows = self.query_one(KeyList)
        keep = self.current_key()
        rows.clear_options()
        lines = coverage_lines(cov, now, tz, self.ticks)
        rows.add_options(
            [
                Option(text, id=key or f"line:{i}", disabled=key is None)
                for i, (text, key) in enumerate(lines)
            ]
        )
        keys = [key for _t, key in lines if key]
        # The cursor starts on what most needs a decision: a pending auth, then a referral.
        first = next(
            (k for k in keys if k.startswith(("auth:", "referral:"))), keys[0] if keys else None
        )
        # Where the user put it, if they are working in the panel; else what needs deciding.
        target = keep if keep in keys and self.has_focus_within else first
        if target is not None:
            rows.highlighted = rows.get_option_index(target)
        rows.scroll_home(animate=False, immediate=True)

    def current_key(self) -> str | None:
        rows = self.query_one(KeyList)
        if rows.highlighted is None or rows.option_count == 0:
            return None
        option = rows.get_option_at_index(rows.highlighted)
        return None if option.disabled else option.id

    def clear(self) -> None:
        self.query_one(KeyList).clear_options()
