"""Validation that never refuses a record for an optional detail: a phone number, an
address or a language that does not validate is left out (and named), the rest is kept.
What a record cannot be without (a name, a date it is about) still refuses it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def optional_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(n for n, f in model.model_fields.items() if not f.is_required())


def validate_leniently(model: type[M], values: Mapping[str, Any]) -> tuple[M, list[str]]:
    """The model, and the optional fields that were left out (set to their default) because
    they did not validate; a required field that does not validate raises as usual."""
    data = dict(values)
    optional = optional_fields(model)
    dropped: list[str] = []
    while True:
        try:
            return model.model_validate(data), dropped
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors(include_input=False) if e["loc"]}
            drop = sorted((bad & optional) - set(dropped))
            if not drop or bad - optional:
                raise
            for name in drop:
                data[name] = model.model_fields[name].get_default(call_default_factory=True)
                dropped.append(name)
