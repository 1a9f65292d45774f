"""Who may do what, checked in the services (the UI only hides what would be refused here).

- viewer: reads; changes nothing (checked on every write transaction in `context.action`).
- coordinator: works their caseload; may hand over their own work.
- supervisor: as a coordinator, and reassigns other coordinators' caseload; reviews access.
- admin: manages accounts; reviews access. Clinical writes are allowed (imports run as one).
"""

from __future__ import annotations

from pcc_tui.core.domain.codes import CoordinatorRole
from pcc_tui.core.errors import Forbidden
from pcc_tui.core.services.context import Actor

SUPERVISORS = frozenset({CoordinatorRole.SUPERVISOR.value})
REVIEWERS = frozenset({CoordinatorRole.SUPERVISOR.value, CoordinatorRole.ADMIN.value})
ADMINS = frozenset({CoordinatorRole.ADMIN.value})


def require(actor: Actor, roles: frozenset[str], doing: str) -> None:
    if actor.role not in roles:
        allowed = " or ".join(sorted(roles))
        raise Forbidden(f"a {actor.role} may not {doing}: that needs the {allowed} role")


def require_caseload_owner(actor: Actor, owner_id: int | None, doing: str) -> None:
    """Moving work that belongs to another coordinator is a supervisor's call."""
    if owner_id is not None and owner_id != actor.coordinator_id:
        require(actor, SUPERVISORS, f"{doing} another coordinator's caseload")
