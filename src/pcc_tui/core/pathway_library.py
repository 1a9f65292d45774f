"""Where care-pathway templates come from: the shipped ones, then the site's own.

Shipped templates live in fixtures/pathways; a site adds or replaces them (same `id`) with
TOML files in `pathways/` beside its config file. A file that does not validate is refused
with its name and the first problem, never silently skipped.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from pcc_tui.core.config import config_path
from pcc_tui.core.domain.pathways import PathwayTemplate
from pcc_tui.core.errors import DomainError
from pcc_tui.resources import fixtures_dir


class TemplateFileError(DomainError):
    """A pathway template file cannot be read or does not validate."""


def site_pathways_dir() -> Path:
    return config_path().parent / "pathways"


def read_template(path: Path) -> PathwayTemplate:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TemplateFileError(f"{path.name}: {exc}") from exc
    try:
        return PathwayTemplate.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise TemplateFileError(f"{path.name}: {where}: {first['msg']}") from exc


def load_pathways(site_dir: Path | None = None) -> dict[str, PathwayTemplate]:
    """Every template by id, shipped first so a site file with the same id replaces it."""
    folders = [fixtures_dir() / "pathways", site_dir if site_dir else site_pathways_dir()]
    found: dict[str, PathwayTemplate] = {}
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                template = read_template(path)
                found[template.id] = template
    return dict(sorted(found.items(), key=lambda kv: kv[1].title))
