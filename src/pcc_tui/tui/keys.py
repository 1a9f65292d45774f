"""The one key registry: every pcc key's id, default key, title, task group and where it acts.

Bindings, the footer, `?` help, the palette's action entries and the README's key table all
come from `KEYS`; a new bindable behaviour needs an entry here, or it cannot be bound or shown.
A user's `[keymap]` rebinds by id; `check_keymap` refuses an unknown id or a clash at start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding

# Where a key acts: everywhere (app), on the cockpit, or only while the queue (or the chart)
# has focus: a queue key and a chart key may share a letter (`e`: everyone / edit).
Scope = Literal["app", "cockpit", "queue", "chart"]
FOCUSED = ("queue", "chart")

GROUPS = (
    "Appointments",
    "Plan steps",
    "Talking to people",
    "Insurance and referrals",
    "The record",
    "Handing over",
    "Moving around",
    "Queue",
    "Session",
)


@dataclass(frozen=True)
class Key:
    id: str
    key: str  # Textual key names, comma separated
    action: str
    title: str
    group: str
    scope: Scope = "cockpit"
    footer: str = ""  # short footer label; empty: not in the footer
    priority: bool = False


KEYS: tuple[Key, ...] = (
    Key("register-patient", "N", "register", "Register a patient (checks for duplicates)", "The record"),
    Key("edit-record", "e", "edit_record", "Edit the record (on the chart)", "The record", "chart"),
    Key("record-history", "E", "record_history", "The record's history: who changed what, when", "The record"),
    Key("add-contact", "F", "add_contact", "Add a family member or contact (and consent)", "The record"),
    Key("consent", "K", "consent", "Consent: record a decision or a withdrawal", "The record"),
    Key("change-contact", "U", "change_contact", "Change or end a contact", "The record"),
    Key("coverage", "I", "coverage", "Coverage: add, or change or end the picked one", "The record"),
    Key("care-team", "T", "care_team", "Care team: add a member, or end one", "The record"),
    Key("problems", "P", "problems", "Problems: add, resolve, or entered in error", "The record"),
    Key("confirm-appointment", "c", "confirm", "Confirm an appointment", "Appointments", footer="Confirm"),
    Key("reschedule-appointment", "r", "reschedule", "Reschedule an appointment", "Appointments"),
    Key("cancel-appointment", "x", "cancel", "Cancel or no-show, with a reason", "Appointments"),
    Key("book-appointment", "b", "book", "Book an appointment", "Appointments"),
    Key("visit-status", "f", "visit", "Visit: checked in, arrived, fulfilled", "Appointments"),
    Key("complete-step", "d", "complete", "Complete the step (marked rows: all)", "Plan steps", footer="Done"),
    Key("step-status", "s", "step_status", "Set a step's status, with a reason", "Plan steps"),
    Key("start-pathway", "p", "start_pathway", "Start a care pathway at an anchor date", "Plan steps"),
    Key("move-anchor", "A", "move_anchor", "Move a pathway's anchor date", "Plan steps"),
    Key("snooze", "S", "snooze", "Snooze the selected item(s) until a date", "Plan steps"),
    Key("add-note", "n", "note", "Add a note", "Talking to people", footer="Note"),
    Key("log-communication", "l", "log", "Log a call or message", "Talking to people", footer="Log"),
    Key("education", "i", "education", "Explain a procedure (education)", "Talking to people"),
    Key("eligibility-check", "v", "eligibility", "Record an eligibility check", "Insurance and referrals"),
    Key("prior-auth", "a", "prior_auth", "Prior auth: request, or record a decision", "Insurance and referrals"),
    Key("referral", "t", "referral", "Referral: new, or record progress and reply", "Insurance and referrals"),
    Key("handoff-offer", "H", "hand_over", "Hand over the patient, a plan or a step", "Handing over"),
    Key("handoffs", "h", "handoffs", "Handoffs offered to me", "Handing over"),
    Key("ward-rounds", "W", "rounds", "Ward rounds", "Handing over"),
    Key("reports", "o", "reports", "Reports and my workload", "Handing over"),
    Key("intake-log", "O", "intake_log", "Intake log: what the hospital feed sent (supervisors)", "Handing over"),
    Key("undo", "z", "undo", "Undo my last change", "Session", footer="Undo"),
    Key("focus-queue", "1", "focus_panel('queue')", "Focus the queue", "Moving around"),
    Key("focus-chart", "2", "focus_panel('chart')", "Focus the chart", "Moving around"),
    Key("focus-timeline", "3", "focus_panel('timeline')", "Focus the timeline", "Moving around"),
    Key("focus-coverage", "4", "focus_panel('coverage')", "Focus the coverage checklist", "Moving around"),
    Key("zoom", "plus", "zoom", "Zoom the focused panel", "Moving around"),
    Key("back", "escape", "go_back", "Back: close the filter, unzoom, to the queue", "Moving around"),
    Key("reload", "R", "reload", "Reload everything", "Moving around"),
    Key("break-glass", "exclamation_mark", "break_glass", "Break the glass (audited)", "Session"),
    Key("queue-filter", "slash", "filter", "Filter the queue (words or a kind)", "Queue", "queue"),
    Key("queue-mark", "space", "mark", "Mark a row for a bulk action", "Queue", "queue"),
    Key("scope-mine", "m", "scope('mine')", "Queue: mine", "Queue", "queue"),
    Key("scope-ward", "w", "scope('ward')", "Queue: my ward", "Queue", "queue"),
    Key("scope-all", "e", "scope('all')", "Queue: everyone", "Queue", "queue"),
    Key("next-page", "right_square_bracket", "page(1)", "Queue, everyone: the next page", "Queue", "queue"),
    Key("previous-page", "left_square_bracket", "page(-1)", "Queue, everyone: the page before", "Queue", "queue"),
    Key("help", "question_mark", "help", "All keys", "Session", "app", footer="Keys"),
    Key("palette", "ctrl+p,colon", "command_palette", "Palette: patients and actions", "Session", "app", priority=True),
    Key("privacy", "f12", "privacy", "Hide the screen at once", "Session", "app", priority=True),
    Key("lock-screen", "L", "lock", "Lock the screen now", "Session", "app"),
    Key("quit", "q", "quit", "Quit", "Session", "app", footer="Quit"),
)  # fmt: skip

BY_ID: Mapping[str, Key] = {k.id: k for k in KEYS}
# Keys that only move (vim habits on every list and panel); fixed, not rebindable.
MOVES = ("j", "k", "g", "G", "up", "down", "pageup", "pagedown", "home", "end")


class KeymapError(ValueError):
    """A `[keymap]` entry that cannot be applied; the message names the id and the key."""


def bindings(scope: Scope) -> list[Binding]:
    return [
        Binding(
            k.key,
            f"screen.{k.action}" if k.scope == "chart" else k.action,  # the cockpit's action
            k.footer or k.title,
            show=bool(k.footer),
            id=k.id,
            priority=k.priority,
        )
        for k in KEYS
        if k.scope == scope
    ]


def effective_keys(keymap: Mapping[str, str]) -> dict[str, str]:
    """Id -> the keys in force after the user's keymap."""
    return {k.id: keymap.get(k.id, k.key) for k in KEYS}


def check_keymap(keymap: Mapping[str, str]) -> None:
    """Refuse an unknown id or two ids sharing a key, in one line naming both."""
    for binding_id in keymap:
        if binding_id not in BY_ID:
            close = _closest(binding_id, BY_ID)
            hint = f" (did you mean {close!r}?)" if close else ""
            raise KeymapError(f"[keymap] {binding_id!r} is not a pcc key id{hint}")
    # The app's and the cockpit's keys act wherever the focus is; a queue key only in the
    # queue, a chart key only on the chart: a clash is two ids on one key in one place.
    owners: dict[str, dict[str, str]] = {place: {} for place in FOCUSED}
    for binding_id, keys in effective_keys(keymap).items():
        places = [BY_ID[binding_id].scope] if BY_ID[binding_id].scope in FOCUSED else FOCUSED
        for key in _split(keys):
            if key in MOVES:
                raise KeymapError(f"[keymap] {binding_id} = {key!r}: {key!r} moves the cursor")
            for place in places:
                other = owners[place].get(key)
                if other is not None:
                    raise KeymapError(f"[keymap] {binding_id} and {other} both use {key!r}")
                owners[place][key] = binding_id


def display_key(keys: str) -> str:
    names = {
        "question_mark": "?",
        "exclamation_mark": "!",
        "slash": "/",
        "plus": "+",
        "colon": ":",
        "left_square_bracket": "[",
        "right_square_bracket": "]",
        "space": "space",
        "escape": "esc",
    }
    return " ".join(names.get(k, k) for k in _split(keys))


def grouped(keymap: Mapping[str, str]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(group, [(keys, title, id)]) in task order, with the keys in force."""
    keys = effective_keys(keymap)
    return [
        (group, [(display_key(keys[k.id]), k.title, k.id) for k in KEYS if k.group == group])
        for group in GROUPS
    ]


def readme_table() -> str:
    """The README's key table (a test compares it with the README)."""
    lines = ["| key | does | id |", "|---|---|---|"]
    for group, rows in grouped({}):
        lines.append(f"| **{group}** | | |")
        lines.extend(f"| `{keys}` | {title} | `{kid}` |" for keys, title, kid in rows)
    return "\n".join(lines)


def _split(keys: str) -> Iterable[str]:
    return [k.strip() for k in keys.split(",") if k.strip()]


def _closest(word: str, options: Iterable[str]) -> str | None:
    from difflib import get_close_matches

    found = get_close_matches(word, list(options), n=1, cutoff=0.6)
    return found[0] if found else None
