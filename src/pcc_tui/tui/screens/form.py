"""A modal form: fields in any order, errors beside the field, nothing typed is ever lost.

The form converts what was typed (relative dates, numbers), then hands the values to a
`submit` callable that runs in a thread worker and calls a core service. The core's pydantic
models validate: their errors come back to the fields they name. A refused action (a clash,
an illegal transition) is shown at the top and the form stays open; a conflict opens the
conflict view, where the user re-applies or discards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, ClassVar, Literal

from pydantic import ValidationError
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from pcc_tui.core.domain.relative_dates import describe, parse_date, parse_datetime
from pcc_tui.core.errors import ConflictError, PccError

Kind = Literal["text", "choice", "date", "datetime", "int"]


@dataclass
class FormField:
    name: str
    label: str
    kind: Kind = "text"
    choices: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    value: str = ""
    required: bool = False
    placeholder: str = ""


class FieldErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


Submit = Callable[[dict[str, Any], int | None], str]


class FormScreen(ModalScreen[str | None]):
    """Save with F2 (or Enter on the last field); Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "save", "Save", id="form-save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form-cancel"),
    ]

    def __init__(
        self,
        title: str,
        fields: list[FormField],
        submit: Submit,
        *,
        now: datetime,
        tz: tzinfo,
        intro: str = "",
    ) -> None:
        super().__init__(classes="form-screen")
        self.form_title = title
        self.fields = fields
        self.submit = submit
        self.now = now
        self.tz = tz
        self.intro = intro
        self.saving = False

    def compose(self):  # type: ignore[no-untyped-def]
        with Vertical(id="form"):
            yield Static(self.form_title, id="form-title")
            if self.intro:
                yield Static(self.intro, id="form-intro")
            yield Static("", id="form-error", classes="error hidden")
            with VerticalScroll(id="form-fields"):
                for f in self.fields:
                    with Horizontal(classes="form-row"):
                        yield Label(f.label + (" *" if f.required else ""), classes="form-label")
                        yield self._widget(f)
                        yield Static("", id=f"resolved-{f.name}", classes="resolved")
                    yield Static("", id=f"error-{f.name}", classes="error field-error hidden")
            yield Static("F2 save | Enter next field | Esc cancel", id="form-keys")

    def _widget(self, f: FormField) -> Input | Select[str]:
        if f.kind == "choice":
            return Select(
                [(label, value) for label, value in f.choices],
                value=f.value or Select.NULL,
                allow_blank=not f.required,
                id=f"field-{f.name}",
                compact=True,
            )
        box = Input(
            value=f.value,
            placeholder=f.placeholder,
            id=f"field-{f.name}",
            type="integer" if f.kind == "int" else "text",
            compact=True,
        )
        box.cursor_blink = False
        return box

    def on_mount(self) -> None:
        for f in self.fields:
            if f.kind in ("date", "datetime"):
                self._resolve(f)
        first = self.query("#form-fields Input, #form-fields Select").first()
        first.focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("field-")
        f = next((f for f in self.fields if f.name == name), None)
        if f and f.kind in ("date", "datetime"):
            self._resolve(f)

    def _resolve(self, f: FormField) -> None:
        raw = self.query_one(f"#field-{f.name}", Input).value
        label = self.query_one(f"#resolved-{f.name}", Static)
        if not raw.strip():
            label.update("")
            return
        try:
            label.update("= " + describe(self._convert(f, raw), self.tz))
        except PccError:
            label.update("?")

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        widgets = list(self.query("#form-fields Input, #form-fields Select"))
        if event.input is widgets[-1]:
            self.action_save()
        else:
            self.focus_next()

    def _convert(self, f: FormField, raw: str) -> Any:
        local_now = self.now.astimezone(self.tz)
        if f.kind == "date":
            return parse_date(raw, local_now)
        if f.kind == "datetime":
            return parse_datetime(raw, local_now)
        if f.kind == "int":
            return int(raw)
        return raw

    def values(self) -> dict[str, Any]:
        """Convert what was typed; raises FieldErrors naming each bad field."""
        out: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            raw: Any
            if isinstance(widget, Select):
                raw = None if widget.value is Select.NULL else widget.value
            else:
                assert isinstance(widget, Input)
                raw = widget.value.strip()
            if raw in (None, ""):
                if f.required:
                    errors[f.name] = "required"
                out[f.name] = None
                continue
            try:
                out[f.name] = self._convert(f, raw) if f.kind != "choice" else raw
            except (PccError, ValueError) as exc:
                errors[f.name] = str(exc)
        if errors:
            raise FieldErrors(errors)
        return out

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        names = {f.name for f in self.fields}
        leftover = [f"{k}: {v}" for k, v in errors.items() if k not in names]
        for f in self.fields:
            box = self.query_one(f"#error-{f.name}", Static)
            message = errors.get(f.name, "")
            box.update(f"  ^ {message}" if message else "")
            box.set_class(not message, "hidden")
        top = self.query_one("#form-error", Static)
        text = "  ".join(x for x in [general, *leftover] if x)
        top.update(text)
        top.set_class(not text, "hidden")

    def action_save(self, version: int | None = None) -> None:
        if self.saving:
            return
        try:
            values = self.values()
        except FieldErrors as exc:
            self.show_errors(exc.errors, "Please correct the marked fields.")
            return
        self.show_errors({})
        self.saving = True
        self._run(values, version)

    @work(thread=True, exclusive=True, group="form")
    def _run(self, values: dict[str, Any], version: int | None) -> None:
        try:
            summary = self.submit(values, version)
        except ValidationError as exc:
            errors = {}
            for err in exc.errors():
                loc = str(err["loc"][0]) if err["loc"] else "form"
                errors[loc] = err["msg"].removeprefix("Value error, ")
            self.app.call_from_thread(self._failed, errors, "Not saved: please correct.")
        except FieldErrors as exc:
            self.app.call_from_thread(self._failed, exc.errors, "Not saved: please correct.")
        except ConflictError as exc:
            self.app.call_from_thread(self._conflict, exc, values)
        except PccError as exc:
            self.app.call_from_thread(self._failed, {}, f"Not saved: {exc}")
        else:
            self.app.call_from_thread(self.dismiss, summary)

    def _failed(self, errors: dict[str, str], general: str) -> None:
        self.saving = False
        self.show_errors(errors, general)

    def _conflict(self, exc: ConflictError, values: dict[str, Any]) -> None:
        from pcc_tui.tui.screens.conflict import ConflictScreen

        self.saving = False

        def decided(choice: str | None) -> None:
            if choice == "reapply":
                self.action_save(version=int(exc.theirs.get("version", 0)))
            elif choice == "theirs":
                self.dismiss(None)
                self.app.action_reload()  # type: ignore[attr-defined]
            else:
                self.show_errors({}, "Not saved: the record changed. Review and save again.")

        self.app.push_screen(ConflictScreen(exc), decided)

    def action_cancel(self) -> None:
        self.dismiss(None)
