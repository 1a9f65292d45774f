"""Errors the core raises. Messages never carry patient data: they name entities by id."""

from __future__ import annotations

from typing import Any


class PccError(Exception):
    """Base class for every error the core raises on purpose."""


class DomainError(PccError):
    """A rule of the domain was broken; the message says which."""


class BadField(DomainError):
    """One input field is wrong (a phone number that cannot exist, a taken MRN): forms show
    the message beside that field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class IllegalTransition(DomainError):
    def __init__(self, entity: str, current: str, requested: str, allowed: list[str]) -> None:
        self.entity = entity
        self.current = current
        self.requested = requested
        self.allowed = allowed
        allowed_text = ", ".join(allowed) if allowed else "none (final status)"
        super().__init__(
            f"{entity}: cannot go from '{current}' to '{requested}'; "
            f"allowed from '{current}': {allowed_text}"
        )


class NotFound(PccError):
    def __init__(self, entity: str, key: object) -> None:
        self.entity = entity
        self.key = key
        super().__init__(f"{entity} {key} not found")


class ConflictError(PccError):
    """Someone else changed the record since it was read. Carries both versions."""

    def __init__(
        self,
        entity: str,
        entity_id: int,
        expected_version: int,
        theirs: dict[str, Any],
        mine: dict[str, Any],
    ) -> None:
        self.entity = entity
        self.entity_id = entity_id
        self.expected_version = expected_version
        self.theirs = theirs
        self.mine = mine
        super().__init__(
            f"{entity} {entity_id} was changed by someone else "
            f"(you had version {expected_version}, it is now version {theirs.get('version')})"
        )


class StoreUnavailable(PccError):
    """The database cannot be reached or the URL is unusable."""


class SchemaOutOfDate(PccError):
    """The database schema is behind (or ahead of) this code."""


class UnknownUser(PccError):
    """The acting user does not map to a coordinator."""


class AuthFailed(PccError):
    """Sign-in refused. The message never says whether the user name or the secret was wrong."""


class Forbidden(PccError):
    """The acting user's role does not allow this; the message names the role and the act."""


class OwnRecordRefused(Forbidden):
    """Nobody may open the patient record linked to their own account."""


class BreakGlassRequired(PccError):
    """The patient is outside the user's caseload and ward: access needs a stated reason."""

    def __init__(self, patient_id: int) -> None:
        self.patient_id = patient_id
        super().__init__(
            f"patient {patient_id} is outside your caseload and ward: "
            "break the glass with a reason to open the record"
        )


class ConfigError(PccError):
    """The config file (or a PCC_* variable) cannot be used: the message names the file, the
    line and the field, and how to fix it."""


class ExportFailed(PccError):
    """Writing an export failed (the path, the disk): audited as a failed export."""


class UnreadableRecord(PccError):
    """A stored record pcc cannot read (damaged or foreign data): named by id, logged."""

    def __init__(self, table: str, record_id: object) -> None:
        super().__init__(f"unreadable record: {table} #{record_id} (its stored data is damaged)")
        self.table, self.record_id = table, record_id
