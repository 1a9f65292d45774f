"""Register a patient (`N`): the form, then (before anything is saved) the duplicate check.
Likely matches are listed with two identifiers each and Enter opens the existing record;
only `n` goes on to register a new one. The new patient's chart opens after saving."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.widgets import Static

from pcc_tui.core.domain.codes import AdministrativeGender
from pcc_tui.core.domain.read_models import PatientRef
from pcc_tui.core.errors import BadField, PccError
from pcc_tui.core.services.registration import (
    LikelyMatch,
    likely_duplicates,
    register_new_patient,
)
from pcc_tui.tui.forms.base import NO_YES, FormEnv
from pcc_tui.tui.screens.duplicates import DuplicatesScreen
from pcc_tui.tui.screens.form import FieldErrors, FormField, FormScreen
from pcc_tui.tui.wording import plain_refusal

SEX = [(g.value.capitalize(), g.value) for g in AdministrativeGender]
KEYS_LINE = "F2 save | Tab next field | Enter next / open list | Esc cancel"


class RegisterScreen(FormScreen):
    """The registration form; `opened` is the patient to open once it closes."""

    def __init__(self, env: FormEnv) -> None:
        clock = env.store.clock
        super().__init__(
            "Register a patient",
            _fields(env),
            self._save,
            now=clock.now(),
            tz=clock.tz,
            intro="Before saving, pcc looks for this patient among those already registered."
            " Phone numbers without +country are read as "
            f"{env.store.policy.phone_region} numbers.",
        )
        self.env = env
        self.opened: PatientRef | None = None
        self._checked: dict[str, Any] | None = None  # the values the check last passed

    def proceed(self, values: dict[str, Any], version: int | None) -> None:
        if values == self._checked:  # checked, and the user chose: save
            super().proceed(values, version)
            return
        self.saving = True
        self.query_one("#form-keys", Static).update("Looking for an existing record...")
        self._look_for_duplicates(values)

    @work(thread=True, exclusive=True, group="form", exit_on_error=False)
    def _look_for_duplicates(self, values: dict[str, Any]) -> None:
        env = self.env
        try:
            matches = likely_duplicates(
                env.store,
                env.actor,
                values["family_name"],
                values["given_name"],
                values["birth_date"],
                values["phone"],
            )
        except PccError as exc:
            self.app.call_from_thread(self._failed, {}, f"Not checked: {plain_refusal(str(exc))}")
            return
        self.app.call_from_thread(self._after_check, values, matches)

    def _after_check(self, values: dict[str, Any], matches: list[LikelyMatch]) -> None:
        self._failed({}, "")  # ready again, nothing wrong
        if not matches:
            self._checked = values
            super().proceed(values, None)
            return

        def decided(choice: int | str | None) -> None:
            if isinstance(choice, int):
                match = next(m for m in matches if m.id == choice)
                self.opened = PatientRef(
                    id=match.id,
                    mrn=match.mrn,
                    family_name=match.family_name,
                    given_name=match.given_name,
                    birth_date=match.birth_date,
                )
                self.dismiss(f"Not registered: opened the existing record ({match.mrn})")
            elif choice == "new":
                self._checked = values
                super(RegisterScreen, self).proceed(values, None)
            else:
                self.show_errors({}, "Not saved yet: check the details, then F2.")

        self.app.push_screen(DuplicatesScreen(matches, self.env.mask), decided)

    def _save(self, values: dict[str, Any], _version: int | None) -> str:
        env = self.env
        intake = values.pop("intake_by")
        flags = ["interpreter"] if values.pop("interpreter") == "yes" else []
        try:
            pid, mrn = register_new_patient(
                env.store, env.actor, values | {"flags": flags}, intake_due=intake
            )
        except BadField as exc:
            raise FieldErrors({exc.field: str(exc)}) from None
        self.opened = PatientRef(
            id=pid,
            mrn=mrn,
            family_name=values["family_name"],
            given_name=values["given_name"],
            birth_date=values["birth_date"],
            ward=values["ward"],
            bed=values["bed"],
        )
        owed = f"; intake call due {intake:%a %d %b}" if intake else ""
        return f"Registered {values['given_name']} {values['family_name']} as {mrn}{owed}"


def _fields(env: FormEnv) -> list[FormField]:
    me = env.actor
    return [
        FormField("family_name", "Family name", required=True, example="Okafor"),
        FormField("given_name", "Given name(s)", required=True, example="Grace Adaeze"),
        FormField("birth_date", "Birth date", "date", required=True, example="1948-03-02"),
        FormField("sex", "Sex/gender", "choice", SEX, AdministrativeGender.UNKNOWN.value, True),
        FormField("mrn", "MRN", example="empty: the site assigns the next"),
        FormField("phone", "Phone", example="(555) 201-4477 or +44 20 7946 0018"),
        FormField("phone_other", "Other phone", example="a mobile, or work"),
        FormField("address", "Address", example="12 Elm St, Springfield"),
        FormField("preferred_language", "Language", example="Spanish"),
        FormField("interpreter", "Interpreter?", "choice", NO_YES, "no", True),
        FormField("ward", "Ward", value=me.ward or "", example="4 North"),
        FormField("bed", "Bed", example="12B"),
        FormField("coordinator", "Coordinator", value=me.username, example="user name"),
        FormField("intake_by", "Intake call by", "date", value="t", example="empty: none"),
    ]


def register_form(env: FormEnv) -> RegisterScreen:
    return RegisterScreen(env)
