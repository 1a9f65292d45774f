"""Coverage work: eligibility checks (`v`) and prior authorisations (`a`): a new request, or
the decision on a pending one at any time (from the queue row, or picked in the coverage
panel, 4)."""

from __future__ import annotations

from typing import Any

from pcc_tui.core.domain.codes import AuthDecision, EligibilityResult
from pcc_tui.core.domain.read_models import AuthEntry, QueueKind
from pcc_tui.core.services import insurance
from pcc_tui.tui.forms.base import NO_YES, FormEnv, NoTarget, form, need_patient
from pcc_tui.tui.screens.form import FormField, FormScreen
from pcc_tui.tui.selection import Selection


def eligibility_form(env: FormEnv, sel: Selection) -> FormScreen:
    need_patient(sel)
    who = env.who(sel.patient)
    if sel.coverage is None or not sel.coverage.coverages:
        raise NoTarget("this patient has no coverage on file")
    entries = sel.coverage.coverages
    choices = [
        (
            f"{e.coverage.order}. {e.coverage.payer} {e.coverage.plan or ''}".strip(),
            str(e.coverage.id),
        )
        for e in entries
    ]
    picked = sel.coverage_pick("coverage")
    default = str(picked) if picked is not None else choices[0][1]
    payer = {str(e.coverage.id): e.coverage.payer for e in entries}

    def submit(values: dict[str, Any], version: int | None) -> str:
        result = EligibilityResult(values["result"])
        insurance.record_eligibility_check(
            env.store, env.actor, int(values["coverage"]), result, values["note"]
        )
        return f"{who}: {payer[values['coverage']]} checked, {result.value.replace('-', ' ')}"

    return form(
        env,
        sel,
        "Eligibility check",
        [
            FormField(
                "result",
                "Result",
                "choice",
                [
                    ("Eligible", "eligible"),
                    ("Not eligible", "not-eligible"),
                    ("Error / no answer", "error"),
                ],
                "eligible",
                True,
            ),
            FormField("note", "Note", "note", example="reference 4471, spoke to Dana"),
            FormField("coverage", "Coverage", "choice", choices, default, True),
        ],
        submit,
    )


def _pending_auth(sel: Selection) -> AuthEntry | None:
    """The pending auth the key means: the queue row, or the one picked in the coverage panel."""
    entries = {e.auth.id: e for e in (sel.coverage.auths if sel.coverage else [])}
    picked = sel.coverage_pick("auth")
    item = sel.item_of(QueueKind.AUTH) if sel.panel == "queue" else None
    key = picked if picked is not None else (item.entity_id if item else None)
    return entries.get(key) if key is not None else None


def prior_auth_form(env: FormEnv, sel: Selection) -> FormScreen:
    patient = need_patient(sel)
    item = sel.item_of(QueueKind.AUTH) if sel.panel == "queue" else None
    pending = _pending_auth(sel)
    if pending is not None and pending.auth.decision.value == "pended":
        a = pending.auth
        return _decide_form(
            env, sel, a.id or 0, a.version, f"{a.service}, due {a.decision_due:%d %b}"
        )
    if item is not None:
        return _decide_form(env, sel, item.entity_id, item.entity_version, item.title)
    who = env.who(patient)
    coverages = sel.coverage.coverages if sel.coverage else []
    choices = [
        (f"{e.coverage.payer} {e.coverage.plan or ''}".strip(), str(e.coverage.id))
        for e in coverages
    ]

    def submit(values: dict[str, Any], version: int | None) -> str:
        insurance.request_prior_auth(
            env.store,
            env.actor,
            patient.id,
            values["service"],
            coverage_id=int(values["coverage"]) if values["coverage"] else None,
            expedited=values["expedited"] == "yes",
        )
        return f"{who}: prior auth for {values['service']} requested"

    waiting = [e.auth.service for e in (sel.coverage.auths if sel.coverage else [])
               if e.auth.decision.value == "pended"]  # fmt: skip
    intro = "To record a decision, pick the pending auth in the coverage panel (4) and press a."
    if waiting:
        intro = f"Pending: {', '.join(waiting)}. " + intro
    return form(
        env,
        sel,
        "Request a prior authorisation",
        [
            FormField("service", "Service", required=True, example="Cardiac MRI"),
            FormField("coverage", "Coverage", "choice", choices, choices[0][1] if choices else ""),
            FormField("expedited", "Expedited (72 h)?", "choice", NO_YES, "no", True),
        ],
        submit,
        intro=intro,
    )


def _decide_form(
    env: FormEnv, sel: Selection, auth_id: int, auth_version: int, label: str
) -> FormScreen:
    who = env.who(sel.patient)

    def submit(values: dict[str, Any], version: int | None) -> str:
        decision = AuthDecision(values["decision"])
        insurance.decide_prior_auth(
            env.store,
            env.actor,
            auth_id,
            version or auth_version,
            decision=decision,
            auth_number=values["auth_number"],
            units_approved=values["units_approved"],
            valid_from=values["valid_from"],
            valid_to=values["valid_to"],
        )
        units = f", {values['units_approved']} units" if values["units_approved"] else ""
        return f"{who}: prior auth {decision.value}{units}"

    return form(
        env,
        sel,
        f"Prior auth decision: {label}",
        [
            FormField(
                "decision",
                "Decision",
                "choice",
                [("Approved", "approved"), ("Partly approved", "partial"), ("Denied", "denied")],
                "",
                True,
            ),
            FormField("units_approved", "Units approved", "int", example="12"),
            FormField("auth_number", "Auth number", example="PA-88412"),
            FormField("valid_from", "Valid from", "date", value="t"),
            FormField("valid_to", "Valid to", "date", example="t+3m"),
        ],
        submit,
    )
