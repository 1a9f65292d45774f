"""Turning result rows into domain models without re-validating what the store holds."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import inspect

M = TypeVar("M", bound=BaseModel)


def to_model(model: type[M], row: Any) -> M:
    """Build `model` from an ORM row. Stored data is trusted (it passed validation on the
    way in, or came from an import), so old records never make a read fail."""
    mapper = inspect(type(row))
    fields = model.model_fields
    values = {a.key: getattr(row, a.key) for a in mapper.column_attrs if a.key in fields}
    return model.model_construct(**values)


def as_dict(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
