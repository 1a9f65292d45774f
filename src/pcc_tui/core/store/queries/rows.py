"""Turning result rows into domain models, fast and without ever failing a read.

Queries here are module-level statements with bound parameters: built once, compiled once,
so a chart costs the database round trips and little else. Rows are validated by
pydantic-core in one call (faster than `model_construct`); a stored row that no longer passes
today's rules (old or imported data) is still returned, built without validation.
"""

from __future__ import annotations

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


def as_models(model: type[M], rows: Sequence[Mapping[str, Any]]) -> list[M]:
    try:
        return _adapter(model).validate_python(rows)
    except ValidationError:
        out = []
        for row in rows:
            try:
                out.append(model.model_validate(row))
            except ValidationError:
                out.append(model.model_construct(**_known(model, row)))
        return out


def _known(model: type[BaseModel], row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k in model.model_fields}


def fetch(conn: Connection, model: type[M], stmt: Executable, **params: Any) -> list[M]:
    return as_models(model, [dict(m) for m in conn.execute(stmt, params).mappings()])


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
