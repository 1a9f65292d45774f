"""Turning result rows into domain models, fast and without ever failing a read.

Queries here are module-level statements with bound parameters: built once, compiled once,
so a chart costs the database round trips and little else. Rows are validated by
pydantic-core in one call (faster than `model_construct`). A stored row that does not pass
(an unknown status, a date or JSON the column types could not read) is left out and named
("plan_step #12") in the caller's `unreadable` list and in the log, by id only: the rest of
the screen works, and nothing downstream meets a half-built model.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Connection, Executable

from pcc_tui.core.store.tables import PatientRow

M = TypeVar("M", bound=BaseModel)


@cache
def _adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


log = logging.getLogger("pcc.store")


def as_models(
    model: type[M], rows: Sequence[Mapping[str, Any]], unreadable: list[str] | None = None
) -> list[M]:
    return [m for _row, m in readable(model, rows, unreadable)]


def readable(
    model: type[M], rows: Sequence[Mapping[str, Any]], unreadable: list[str] | None = None
) -> list[tuple[Mapping[str, Any], M]]:
    """(row, model) for every row that validates; the others are named and left out."""
    try:
        return list(zip(rows, _adapter(model).validate_python(rows), strict=True))
    except ValidationError:
        out = []
        for row in rows:
            try:
                out.append((row, model.model_validate(row)))
            except ValidationError:
                left_out(unreadable, _name(model), row.get("id"))
        return out


def left_out(unreadable: list[str] | None, table: str, row_id: object) -> None:
    what = f"{table} #{row_id if row_id is not None else '?'}"
    log.warning("unreadable record %s left out", what)  # the id only: never a value
    if unreadable is not None and what not in unreadable:
        unreadable.append(what)


def _name(model: type[BaseModel]) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in model.__name__).lstrip("_")


def fetch(
    conn: Connection,
    model: type[M],
    stmt: Executable,
    unreadable: list[str] | None = None,
    **params: Any,
) -> list[M]:
    return as_models(model, [dict(m) for m in conn.execute(stmt, params).mappings()], unreadable)


def patient_ref_columns() -> tuple[Any, ...]:
    """Enough to name a patient in a list; labelled so they never collide with an item's own."""
    return (
        PatientRow.id.label("p_id"),
        PatientRow.mrn.label("p_mrn"),
        PatientRow.family_name.label("p_family"),
        PatientRow.given_name.label("p_given"),
        PatientRow.birth_date.label("p_birth"),
        PatientRow.ward.label("p_ward"),
        PatientRow.bed.label("p_bed"),
    )


def patient_ref(row: Sequence[Any]) -> dict[str, Any]:
    """PatientRef fields from the columns of `patient_ref_columns`, in that order."""
    keys = ("id", "mrn", "family_name", "given_name", "birth_date", "ward", "bed")
    return dict(zip(keys, row[:7], strict=True))
