"""Shipped libraries a site can extend: care-pathway templates and patient education.

Shipped files live in fixtures/<name>; a site adds or replaces entries (same `id`) with TOML
files in `<name>/` beside its config file. A file that does not validate is refused with its
name and the first problem, never silently skipped.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pcc_tui.core.config import config_path
from pcc_tui.core.domain.education import EducationTopic
from pcc_tui.core.domain.event_rules import CONTACT_STEP, VISIT_STEP, EventRule
from pcc_tui.core.domain.pathways import PathwayTemplate
from pcc_tui.core.errors import DomainError
from pcc_tui.resources import fixtures_dir

M = TypeVar("M", bound=BaseModel)


class TemplateFileError(DomainError):
    """A library file cannot be read or does not validate."""


def site_dir(name: str) -> Path:
    return config_path().parent / name


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TemplateFileError(f"{path.name}: {exc}") from exc


def _validate(model: type[M], data: Any, path: Path, where: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        at = ".".join(p for p in (where, loc) if p) or "file"
        raise TemplateFileError(f"{path.name}: {at}: {first['msg']}") from exc


def _files(name: str, site: Path | None) -> list[Path]:
    folders = [fixtures_dir() / name, site if site else site_dir(name)]
    return [p for f in folders if f.is_dir() for p in sorted(f.glob("*.toml"))]


def read_template(path: Path) -> PathwayTemplate:
    return _validate(PathwayTemplate, _read(path), path)


def load_pathways(site: Path | None = None) -> dict[str, PathwayTemplate]:
    """Every pathway template by id, shipped first so a site file with the same id wins."""
    found = {t.id: t for t in (read_template(p) for p in _files("pathways", site))}
    return dict(sorted(found.items(), key=lambda kv: kv[1].title))


def load_education(site: Path | None = None) -> dict[str, EducationTopic]:
    """Every education topic by id; a file holds a `[[topics]]` list."""
    found = _listed("education", "topics", EducationTopic, site)
    return dict(sorted(found.items(), key=lambda kv: kv[1].title))


def _listed(name: str, key: str, model: type[M], site: Path | None) -> dict[str, M]:
    """Every entry of the `[[key]]` lists in the library's files, by id (a later file's
    entry with the same id replaces an earlier one)."""
    found: dict[str, M] = {}
    for path in _files(name, site):
        entries = _read(path).get(key)
        if not isinstance(entries, list):
            raise TemplateFileError(f"{path.name}: expected a [[{key}]] list")
        for i, raw in enumerate(entries):
            entry = _validate(model, raw, path, f"{key}.{i}")
            found[getattr(entry, "id")] = entry  # noqa: B009 - every library entry has one
    return found


def load_event_rules(site: Path | None = None) -> dict[str, EventRule]:
    """Every event rule by id; a file holds a `[[rules]]` list. A transition rule's pathways
    must exist and carry the steps that hold its clocks."""
    found = _listed("event-rules", "rules", EventRule, site)
    pathways = load_pathways(site.parent / "pathways" if site else None)
    for rule in found.values():
        for name in (rule.pathway, rule.pathway_high):
            if name is None:
                continue
            template = pathways.get(name)
            if template is None:
                raise TemplateFileError(f"rule {rule.id!r}: no pathway {name!r}")
            keys = {s.key for s in template.steps}
            if rule.then == "transition" and not {CONTACT_STEP, VISIT_STEP} <= keys:
                raise TemplateFileError(
                    f"rule {rule.id!r}: pathway {name!r} needs steps keyed "
                    f"{CONTACT_STEP!r} and {VISIT_STEP!r}"
                )
    return found
