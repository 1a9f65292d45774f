"""A modal form: every field reachable by Tab, errors beside the field, nothing typed is lost.

The first lines name the patient (two identifiers) and the thing acted on. The form converts
what was typed (relative dates, numbers), then hands the values to a `submit` callable that
runs in a thread worker and calls a core service. The core's pydantic models validate: their
errors come back to the fields they name, in plain words. A refused action (a clash, an
illegal transition) is shown at the top and the form stays open; a conflict opens the
conflict view. Esc with something typed asks before throwing it away (default No).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

from pydantic import ValidationError
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from pcc_tui.core.domain.relative_dates import describe, parse_date, parse_datetime
from pcc_tui.core.errors import ConflictError, PccError
from pcc_tui.tui.messages import RELOAD
from pcc_tui.tui.screens.ask import AskScreen
from pcc_tui.tui.wording import plain_error, plain_refusal

if TYPE_CHECKING:
    from textual.widgets import TextArea

Kind = Literal["text", "note", "choice", "date", "datetime", "int"]


@dataclass
class FormField:
    name: str
    label: str
    kind: Kind = "text"
    choices: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    value: str = ""  # a default is a real value, saved as it stands
    required: bool = False
    example: str = ""  # shown greyed as "e.g. ...", never saved


class FieldErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


Submit = Callable[[dict[str, Any], int | None], str]


class Choice(Select[str]):
    """A drop-down a keyboard can drive: Enter (or up/down) opens it; a letter picks the next
    option starting with that letter without opening it, and moves on to the next field (one
    key per choice: `c v` then the date is "confirm: voicemail, try again ..."). To pick
    another option with the same letter, shift+Tab back and press it again, or open the list."""

    def on_key(self, event: events.Key) -> None:
        if self.expanded or event.character is None or not event.character.isalnum():
            return
        if len(event.character) != 1:
            return
        options = [
            (str(label), value) for label, value in self._options if value is not Select.NULL
        ]
        if not options:
            return
        letter = event.character.lower()
        values = [v for _l, v in options]
        start = values.index(self.value) + 1 if self.value in values else 0
        ordered = options[start:] + options[:start]
        hit = next((v for label, v in ordered if label.lower().startswith(letter)), None)
        event.stop()
        event.prevent_default()
        if hit is not None:
            self.value = hit
            # At once, not on the next idle tick: the next key of a burst lands there.
            self.screen.focus_next()


class FormScreen(ModalScreen[str | None]):
    """Save with F2 (or Enter on the last field); Esc cancels (asks first if typed in)."""

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
        patient: str = "",
        intro: str = "",
        confirm: str = "",
    ) -> None:
        super().__init__(classes="form-screen")
        self.form_title = title
        self.patient = patient
        self.fields = fields
        self.submit = submit
        self.now = now
        self.tz = tz
        self.intro = intro
        self.confirm = confirm  # a risky save asks this first (y, or No by default)
        self.saving = False
        self._initial: dict[str, Any] = {}
        # Texts to read out, by the value of the `topic` choice (education): shown as chosen.
        self.reading: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            if self.patient:
                yield Static(f"Patient: {self.patient}", id="form-patient", markup=False)
            yield Static(self.form_title, id="form-title", markup=False)
            if self.intro:
                with VerticalScroll(id="form-intro-box"):
                    yield Static(self.intro, id="form-intro", markup=False)
            yield Static("", id="form-error", classes="error hidden", markup=False)
            with VerticalScroll(id="form-fields", can_focus=False):
                for f in self.fields:
                    with Horizontal(
                        classes="form-row note-row" if f.kind == "note" else "form-row"
                    ):
                        yield Label(f.label + (" *" if f.required else ""), classes="form-label")
                        yield self._widget(f)
                        yield Static("", id=f"resolved-{f.name}", classes="resolved")
                    yield Static("", id=f"error-{f.name}", classes="error field-error hidden")
                if self.reading:
                    yield Static("", id="form-reading", markup=False)
            yield Static(
                "F2 save | Tab next field | Enter next / open list | Esc cancel", id="form-keys"
            )

    def _widget(self, f: FormField) -> Widget:
        if f.kind == "choice":
            return Choice(
                [(label, value) for label, value in f.choices],
                value=f.value or Select.NULL,
                allow_blank=not f.required or not f.value,
                prompt="(choose)",
                id=f"field-{f.name}",
                compact=True,
            )
        if f.kind == "note":
            from textual.widgets import TextArea  # ~0.1 s to load: kept off the start path

            area = TextArea(f.value, id=f"field-{f.name}", compact=True, soft_wrap=True)
            area.cursor_blink = False
            if f.example:
                area.placeholder = f"e.g. {f.example}"
            return area
        box = Input(
            value=f.value,
            placeholder=f"e.g. {f.example}" if f.example else "",
            id=f"field-{f.name}",
            type="integer" if f.kind == "int" else "text",
            compact=True,
        )
        box.cursor_blink = False
        return box

    def field_widgets(self) -> list[Widget]:
        return list(self.query("#form-fields Input, #form-fields Select, #form-fields TextArea"))

    def on_mount(self) -> None:
        for f in self.fields:
            if f.kind in ("date", "datetime"):
                self._resolve(f)
        self._initial = self._raw()
        # At once, not on the next idle tick: text typed right after the key that opened
        # the form (one burst over a slow link) lands in the first field.
        self.set_focus(self.field_widgets()[0])

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

    @on(Select.Changed, "#field-topic")
    def _topic(self, event: Select.Changed) -> None:
        if self.reading:
            text = self.reading.get(str(event.value), "")
            self.query_one("#form-reading", Static).update(f"Read out:\n{text}" if text else "")

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        widgets = self.field_widgets()
        if event.input is widgets[-1]:
            self.action_save()
        else:
            self.set_focus(widgets[widgets.index(event.input) + 1])

    def _convert(self, f: FormField, raw: str) -> Any:
        local_now = self.now.astimezone(self.tz)
        if f.kind == "date":
            return parse_date(raw, local_now)
        if f.kind == "datetime":
            return parse_datetime(raw, local_now)
        if f.kind == "int":
            try:
                return int(raw)
            except ValueError:
                raise FieldErrors({f.name: "a whole number, please"}) from None
        return raw

    def _raw(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, Select):
                out[f.name] = None if widget.value is Select.NULL else widget.value
            elif f.kind == "note":
                out[f.name] = cast("TextArea", widget).text.strip()
            else:
                assert isinstance(widget, Input)
                out[f.name] = widget.value.strip()
        return out

    def typed_in(self) -> bool:
        """Has the user changed anything since the form opened?"""
        return self._raw() != self._initial

    def values(self) -> dict[str, Any]:
        """Convert what was typed; raises FieldErrors naming each bad field."""
        out: dict[str, Any] = {}
        errors: dict[str, str] = {}
        typed = self._raw()
        for f in self.fields:
            raw = typed[f.name]
            if raw in (None, ""):
                if f.required:
                    errors[f.name] = "required"
                out[f.name] = None
                continue
            try:
                out[f.name] = self._convert(f, raw) if f.kind != "choice" else raw
            except FieldErrors as exc:
                errors.update(exc.errors)
            except (PccError, ValueError) as exc:
                errors[f.name] = str(exc)
        if errors:
            raise FieldErrors(errors)
        return out

    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        names = {f.name for f in self.fields}
        labels = {f.name: f.label for f in self.fields}
        leftover = [
            v if k in ("form", "") else f"{k.replace('_', ' ')}: {v}"
            for k, v in errors.items()
            if k not in names
        ]
        for f in self.fields:
            box = self.query_one(f"#error-{f.name}", Static)
            message = errors.get(f.name, "")
            box.update(f"  ^ {labels[f.name]}: {message}" if message else "")
            box.set_class(not message, "hidden")
        top = self.query_one("#form-error", Static)
        text = "  ".join(x for x in [general, *leftover] if x)
        top.update(text)
        top.set_class(not text, "hidden")
        bad = next((f for f in self.fields if f.name in errors), None)
        if bad is not None:  # the first field at fault: focused, and scrolled into view
            widget = self.query_one(f"#field-{bad.name}")
            self.set_focus(widget)
            self.call_after_refresh(
                self.query_one(f"#error-{bad.name}").scroll_visible, animate=False
            )

    def action_save(self, version: int | None = None) -> None:
        if self.saving:
            return
        try:
            values = self.values()
        except FieldErrors as exc:
            self.show_errors(exc.errors, "Please correct the marked fields.")
            return
        self.show_errors({})
        self.proceed(values, version)

    def proceed(self, values: dict[str, Any], version: int | None) -> None:
        """The typed values are good: save (a risky save asks first). A form that checks
        something before saving (registration: duplicates) overrides this."""
        if self.confirm and version is None:

            def answered(yes: bool | None) -> None:
                if yes:
                    self._start(values, version)

            self.app.push_screen(AskScreen(self.confirm), answered)
            return
        self._start(values, version)

    def _start(self, values: dict[str, Any], version: int | None) -> None:
        self.saving = True
        self.query_one("#form-keys", Static).update("Saving...")
        self._run(values, version)

    @work(thread=True, exclusive=True, group="form", exit_on_error=False)
    def _run(self, values: dict[str, Any], version: int | None) -> None:
        try:
            summary = self.submit(values, version)
        except ValidationError as exc:
            errors = {}
            for err in exc.errors():
                loc = str(err["loc"][0]) if err["loc"] else "form"
                errors[loc] = plain_error(err)
            self.app.call_from_thread(self._failed, errors, "Not saved: please correct.")
        except FieldErrors as exc:
            self.app.call_from_thread(self._failed, exc.errors, "Not saved: please correct.")
        except ConflictError as exc:
            self.app.call_from_thread(self._conflict, exc)
        except PccError as exc:
            self.app.call_from_thread(self._failed, {}, f"Not saved: {plain_refusal(str(exc))}")
        except Exception as exc:  # a bug must not lose what was typed (no details: PHI)
            self.app.call_from_thread(
                self._failed, {}, f"Not saved: unexpected {type(exc).__name__}."
            )
        else:
            self.app.call_from_thread(self.dismiss, summary)

    def _failed(self, errors: dict[str, str], general: str) -> None:
        self.saving = False
        self.query_one("#form-keys", Static).update(
            "F2 save | Tab next field | Enter next / open list | Esc cancel"
        )
        self.show_errors(errors, general)

    def _conflict(self, exc: ConflictError) -> None:
        from pcc_tui.tui.screens.conflict import ConflictScreen

        self._failed({}, "")

        def decided(choice: str | None) -> None:
            if choice == "reapply":
                self.action_save(version=int(exc.theirs.get("version", 0)))
            elif choice == "theirs":
                self.dismiss(RELOAD)
            else:
                self.show_errors({}, "Not saved: the record changed. Review and save again.")

        self.app.push_screen(ConflictScreen(exc), decided)

    def action_cancel(self) -> None:
        if not self.typed_in():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(AskScreen("Discard what you typed?"), answered)
