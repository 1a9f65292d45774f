"""`pcc demo seed`: a deterministic synthetic caseload with dates relative to today.

Rows are generated with explicit ids and written with bulk Core inserts, a chunk of patients
at a time, so 100,000 patients (about a million plan steps) load in minutes on either
database. One audit row records the seed itself.
"""

from __future__ import annotations

import math
import random
import time as timer
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.orm import Session

from pcc_tui.core.domain.codes import AuditOutcome
from pcc_tui.core.errors import DomainError
from pcc_tui.core.services.insurance import decision_due
from pcc_tui.core.store import audit
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.names import grams, tokens, variants
from pcc_tui.core.store.tables import (
    AppointmentRow,
    Base,
    CarePlanRow,
    CareTeamMemberRow,
    CommunicationRow,
    ContactRow,
    CoordinatorRow,
    CoverageRow,
    EligibilityCheckRow,
    NameGramRow,
    NameTokenRow,
    NameVariantRow,
    NoteRow,
    PatientNameTokenRow,
    PatientRow,
    PlanStepRow,
    PractitionerRow,
    PriorAuthorizationRow,
    ProblemRow,
    ReferralRow,
    StepDependencyRow,
)
from pcc_tui.resources import fixtures_dir

SEEDER = "pcc-demo"
BEDS_PER_WARD = 30
SLOTS_PER_DAY = 18  # 08:00-17:00 in 30-minute slots
PROBLEMS = [
    ("Heart failure", "84114007"),
    ("Type 2 diabetes mellitus", "44054006"),
    ("Chronic obstructive pulmonary disease", "13645005"),
    ("Essential hypertension", "59621000"),
    ("Chronic kidney disease stage 3", "433144002"),
    ("Atrial fibrillation", "49436004"),
    ("Osteoarthritis of knee", "239873007"),
    ("Depressive disorder", "35489007"),
]
SHARE = ["appointments", "condition", "medications", "test-results", "discharge-plan"]
# Tables in foreign-key order; each chunk is written in this order.
ORDER: list[type[Base]] = [
    PatientRow,
    ContactRow,
    CareTeamMemberRow,
    ProblemRow,
    AppointmentRow,
    ReferralRow,
    CoverageRow,
    EligibilityCheckRow,
    PriorAuthorizationRow,
    CarePlanRow,
    PlanStepRow,
    StepDependencyRow,
    CommunicationRow,
    NoteRow,
    PatientNameTokenRow,
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    works: str | None  # their ward, or their pool


@dataclass
class SeedReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    accounts: list[DemoAccount] = field(default_factory=list)

    def add(self, table: str, n: int) -> None:
        self.counts[table] = self.counts.get(table, 0) + n


def load_demo_data() -> dict[str, Any]:
    with (fixtures_dir() / "demo" / "demo.toml").open("rb") as fh:
        return tomllib.load(fh)


class _Ids:
    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, table: str) -> int:
        value = self._next.get(table, 1)
        self._next[table] = value + 1
        return value


@dataclass
class _World:
    """What every patient's generator needs to know about the site."""

    rng: random.Random
    data: dict[str, Any]
    today: date
    now: datetime
    tz: Any
    coordinators: list[tuple[int, str, str | None]]  # id, username, ward
    practitioners: list[int]
    wards: list[str]
    stamp: dict[str, Any]
    ids: _Ids = field(default_factory=_Ids)
    taken_slots: set[tuple[int, date, int]] = field(default_factory=set)

    def local(self, day: date, slot: int) -> datetime:
        start = datetime.combine(day, time(8, 0), tzinfo=self.tz) + timedelta(minutes=30 * slot)
        return start.astimezone(UTC)


def _tracked(world: _World, **values: Any) -> dict[str, Any]:
    return {**world.stamp, **values}


def seed_demo(
    store: Store,
    *,
    patients: int = 60,
    seed: int = 7,
    chunk: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> SeedReport:
    if patients < 1:
        raise DomainError("the demo needs at least one patient")
    if store.person:  # bulk rows bypass the services: only the schema owner may seed
        raise DomainError("seed a demo as the schema owner, not as a person's login")
    started = timer.perf_counter()
    report = SeedReport()
    data = load_demo_data()
    now = store.clock.now()
    with store.engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(PatientRow)).scalar_one():
            raise DomainError(
                "the database already has patients; seed the demo into an empty database"
            )
    world = _site(store, data, patients, seed, now)
    with store.engine.begin() as conn:
        _bulk(conn)
        _write_site(conn, world, report)
    vocabulary: dict[str, int] = {}
    for first in range(0, patients, chunk):
        rows: dict[type[Base], list[dict[str, Any]]] = {t: [] for t in ORDER}
        for index in range(first, min(first + chunk, patients)):
            _patient(world, index, rows, vocabulary)
        with store.writer_engine.begin() as conn:
            _bulk(conn)
            _write_vocabulary(conn, vocabulary, rows[PatientNameTokenRow])
            for table in ORDER:
                if rows[table]:
                    conn.execute(_table(table).insert(), rows[table])
                    report.add(table.__tablename__, len(rows[table]))
        if progress:
            progress(min(first + chunk, patients), patients)
    with store.writer_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
        with _session_on(conn) as session:
            audit.append(
                session,
                audit.row(
                    at=now,
                    actor=SEEDER,
                    action="demo.seed",
                    outcome=AuditOutcome.SUCCESS,
                    detail={"patients": patients, "seed": seed, "rows": report.counts},
                ),
            )
            session.flush()
    report.seconds = timer.perf_counter() - started
    return report


def _bulk(conn: Connection) -> None:
    """PostgreSQL: one audit row for the seeding, not one per inserted row (the owner's
    bulk tools may opt out of the change trigger; a person's session cannot)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL pcc.bulk = 'on'"))


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


def _session_on(conn: Connection) -> Session:
    return Session(bind=conn, join_transaction_mode="conditional_savepoint")


def _site(store: Store, data: dict[str, Any], patients: int, seed: int, now: datetime) -> _World:
    small = patients <= 200
    n_wards = 2 if small else math.ceil(patients / BEDS_PER_WARD)
    n_coord = 3 if small else max(3, patients // 125)
    n_prac = 10 if small else max(10, patients // 50)
    base_wards: list[str] = data["wards"]
    wards = [base_wards[w] if w < len(base_wards) else f"Ward {w + 1}" for w in range(n_wards)]
    stamp = {
        "version": 1,
        "created_at": now,
        "created_by": SEEDER,
        "updated_at": now,
        "updated_by": SEEDER,
    }
    coords: list[tuple[int, str, str | None]] = []
    named = data["coordinators"]
    for c in range(n_coord):
        username = named[c][0] if c < len(named) else f"coord{c + 1:04d}"
        ward = wards[c] if c < n_wards and not (small and c >= 2) else None
        coords.append((c + 1, username, ward))
    world = _World(
        rng=random.Random(seed),
        data=data,
        today=store.clock.today(),
        now=now,
        tz=store.clock.tz,
        coordinators=coords,
        practitioners=list(range(1, n_prac + 1)),
        wards=wards,
        stamp=stamp,
    )
    return world


def _write_site(conn: Connection, world: _World, report: SeedReport) -> None:
    rng, data = world.rng, world.data
    named = data["coordinators"]
    coords = [
        _tracked(
            world,
            id=cid,
            username=username,
            display_name=named[cid - 1][1] if cid - 1 < len(named) else f"Coordinator {cid}",
            role="supervisor" if cid == 1 else "coordinator",
            pool=data["pools"][0] if ward is None else None,
            ward=ward,
            active=True,
        )
        for cid, username, ward in world.coordinators
    ]
    pracs = [
        _tracked(
            world,
            id=pid,
            name=f"Dr {rng.choice(data['given_names'])} {rng.choice(data['family_names'])}",
            specialty=rng.choice(data["specialties"]),
            organization="Riverside General Hospital",
            phone=f"555-01{pid % 100:02d}",
            status="active",
        )
        for pid in world.practitioners
    ]
    admin_name, admin_display = data["admin"]
    coords.append(
        _tracked(
            world,
            id=len(coords) + 1,
            username=admin_name,
            display_name=admin_display,
            role="admin",
            pool=None,
            ward=None,
            active=True,
        )
    )
    conn.execute(_table(CoordinatorRow).insert(), coords)
    conn.execute(_table(PractitionerRow).insert(), pracs)
    report.accounts = [
        DemoAccount(c["username"], c["display_name"], c["role"], c["ward"] or c["pool"])
        for c in coords
    ]
    report.add("coordinator", len(coords))
    report.add("practitioner", len(pracs))


def _write_vocabulary(
    conn: Connection, vocabulary: dict[str, int], links: list[dict[str, Any]]
) -> None:
    fresh = [(tok, tid) for tok, tid in vocabulary.items() if tid < 0]
    if not fresh:
        return
    conn.execute(_table(NameTokenRow).insert(), [{"id": -tid, "token": tok} for tok, tid in fresh])
    conn.execute(
        _table(NameGramRow).insert(),
        [{"gram": g, "token_id": -tid} for tok, tid in fresh for g in grams(tok)],
    )
    conn.execute(
        _table(NameVariantRow).insert(),
        [{"variant": v, "token_id": -tid} for tok, tid in fresh for v in variants(tok)],
    )
    for tok, tid in fresh:
        vocabulary[tok] = -tid
    for link in links:
        if link["token_id"] < 0:
            link["token_id"] = -link["token_id"]


def _reset_sequences(conn: Connection) -> None:
    tables: list[type[Base]] = [CoordinatorRow, PractitionerRow, NameTokenRow, *ORDER]
    for table in tables:
        if "id" not in _table(table).c:
            continue
        name = table.__tablename__
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )


def _days(world: _World, lo: int, hi: int) -> date:
    return world.today + timedelta(days=world.rng.randint(lo, hi))


def _slot(world: _World, prac: int, day: date) -> datetime:
    first = world.rng.randrange(SLOTS_PER_DAY)
    for k in range(SLOTS_PER_DAY):
        slot = (first + k) % SLOTS_PER_DAY
        if (prac, day, slot) not in world.taken_slots:
            world.taken_slots.add((prac, day, slot))
            return world.local(day, slot)
    return world.local(day, first)  # a full day: the seed accepts an overbooked clinic


def _patient(
    world: _World,
    index: int,
    rows: dict[type[Base], list[dict[str, Any]]],
    vocabulary: dict[str, int],
) -> None:
    rng, data, ids = world.rng, world.data, world.ids
    pid = ids("patient")
    cid, coord_username, _ = world.coordinators[index % len(world.coordinators)]
    family = rng.choice(data["family_names"])
    given = rng.choice(data["given_names"])
    ward_index = index % len(world.wards) if len(world.wards) <= 2 else index // BEDS_PER_WARD
    ward_index = min(ward_index, len(world.wards) - 1)
    bed = (index // len(world.wards) if len(world.wards) <= 2 else index % BEDS_PER_WARD) + 1
    age_days = rng.randint(18 * 365, 95 * 365)
    rows[PatientRow].append(
        _tracked(
            world,
            id=pid,
            mrn=f"MRN{pid:07d}",
            family_name=family,
            given_name=given,
            birth_date=world.today - timedelta(days=age_days),
            sex=rng.choices(["female", "male", "other", "unknown"], [48, 48, 2, 2])[0],
            preferred_language=rng.choice(data["languages"]),
            phone=f"555-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
            address=f"{rng.randint(1, 999)} {rng.choice(data['family_names'])} Street",
            ward=world.wards[ward_index],
            bed=f"{bed:02d}",
            flags=rng.sample(data["flags"], k=rng.choices([0, 1, 2], [60, 30, 10])[0]),
            coordinator_id=cid,
            status="active",
            void_reason=None,
        )
    )
    for word in tokens(family, given):
        if word not in vocabulary:
            vocabulary[word] = -ids("name_token")  # negative: not yet written
        rows[PatientNameTokenRow].append({"token_id": vocabulary[word], "patient_id": pid})

    contact_ids = _contacts(world, pid, rows)
    for _ in range(2):
        rows[CareTeamMemberRow].append(
            _tracked(
                world,
                id=ids("care_team_member"),
                patient_id=pid,
                practitioner_id=rng.choice(world.practitioners),
                role=rng.choice(data["care_roles"]),
                start=world.today - timedelta(days=rng.randint(10, 900)),
                end=None,
                status="active",
                void_reason=None,
            )
        )
    for display, code in rng.sample(PROBLEMS, k=rng.randint(1, 3)):
        rows[ProblemRow].append(
            _tracked(
                world,
                id=ids("problem"),
                patient_id=pid,
                display=display,
                code=code,
                clinical_status="active",
                onset=world.today - timedelta(days=rng.randint(30, 4000)),
                entered_in_error=False,
                void_reason=None,
            )
        )
    appts = _appointments(world, pid, rows)
    referral_id = _referral(world, pid, rows)
    auth_id = _insurance(world, pid, rows)
    _plan(world, pid, cid, appts, referral_id, auth_id, rows)
    _communications(world, pid, coord_username, contact_ids, rows)
    rows[NoteRow].append(
        _tracked(
            world,
            id=ids("note"),
            patient_id=pid,
            text=rng.choice(
                [
                    "Discussed plan with patient; agrees to follow-up schedule.",
                    "Transport needed for next appointment; referred to patient transport.",
                    "Patient prefers morning appointments.",
                    "Family meeting requested before discharge.",
                    "Medication list reconciled with pharmacy.",
                ]
            ),
            author=coord_username,
            status="current",
            void_reason=None,
            created_at=world.now - timedelta(hours=rng.randint(1, 400)),
        )
    )


def _contacts(world: _World, pid: int, rows: dict[type[Base], list[dict[str, Any]]]) -> list[int]:
    rng, data = world.rng, world.data
    out = []
    for _ in range(rng.choices([0, 1, 2], [15, 55, 30])[0]):
        consent = rng.choices(["agreed", "objected", "not-asked"], [60, 10, 30])[0]
        contact_id = world.ids("contact")
        out.append(contact_id)
        rows[ContactRow].append(
            _tracked(
                world,
                id=contact_id,
                patient_id=pid,
                name=f"{rng.choice(data['given_names'])} {rng.choice(data['family_names'])}",
                relationship=rng.choice(data["relationships"]),
                phone=f"555-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
                consent=consent,
                share_scope=rng.sample(SHARE, k=rng.randint(1, 4)) if consent == "agreed" else [],
                consent_on=(
                    None if consent == "not-asked" else world.today - timedelta(rng.randint(1, 400))
                ),
                consent_recorded_by=None if consent == "not-asked" else SEEDER,
                verification_method=rng.choice(data["verification"]),
                status="active",
                void_reason=None,
            )
        )
    return out


def _appointments(
    world: _World, pid: int, rows: dict[type[Base], list[dict[str, Any]]]
) -> list[int]:
    rng, data = world.rng, world.data
    small = len(world.wards) <= 2
    plans: list[tuple[date, str, str]] = []
    past_status = rng.choices(["fulfilled", "noshow", "cancelled"], [85, 10, 5])[0]
    plans.append((_days(world, -90, -1), past_status, "accepted"))
    # The small demo crowds today and tomorrow; the scale set spreads over 90 days.
    near = rng.choices([0, 1, rng.randint(2, 30)], [30, 25, 45])[0] if small else rng.randint(0, 89)
    plans.append(
        (world.today + timedelta(days=near), "booked", rng.choice(["needs-action", "accepted"]))
    )
    plans.append((_days(world, 31, 120), "booked", "needs-action"))
    out = []
    for day, status, patient_status in plans:
        prac = rng.choice(world.practitioners)
        start = _slot(world, prac, day)
        aid = world.ids("appointment")
        out.append(aid)
        rows[AppointmentRow].append(
            _tracked(
                world,
                id=aid,
                patient_id=pid,
                practitioner_id=prac,
                location=rng.choice(data["locations"]),
                start=start,
                end=start + timedelta(minutes=30),
                status=status,
                patient_status=patient_status,
                confirmation_method="phone" if patient_status == "accepted" else None,
                reason=rng.choice(data["reasons"]),
                cancel_reason={"noshow": "Did not attend", "cancelled": "Patient unwell"}.get(
                    status
                ),
                void_reason=None,
            )
        )
    return out


def _referral(world: _World, pid: int, rows: dict[type[Base], list[dict[str, Any]]]) -> int | None:
    rng = world.rng
    if rng.random() > 0.35:
        return None
    rid = world.ids("referral")
    internal = rng.random() < 0.6
    sent = _days(world, -20, -1)
    reply_due = sent + timedelta(days=3 if internal else 7)
    # Most replies arrive by their due date; the rest are what the queue chases.
    late = reply_due < world.today
    weights = [8, 4, 4, 84] if late else [45, 25, 20, 10]
    tracking = rng.choices(["sent", "accepted", "scheduled", "reply-received"], weights)[0]
    received = tracking == "reply-received"
    rows[ReferralRow].append(
        _tracked(
            world,
            id=rid,
            patient_id=pid,
            to_whom=rng.choice(world.data["referral_targets"]),
            reason="Specialist input for care plan",
            priority=rng.choices(["routine", "urgent"], [75, 25])[0],
            internal=internal,
            status="completed" if received else "active",
            tracking=tracking,
            sent_on=sent,
            reply_due=reply_due,
            reply_received_on=min(world.today, sent + timedelta(days=3)) if received else None,
            reply="Seen; recommendations sent to care team." if received else None,
            void_reason=None,
        )
    )
    return rid


def _insurance(world: _World, pid: int, rows: dict[type[Base], list[dict[str, Any]]]) -> int | None:
    rng, data = world.rng, world.data
    first_cov = None
    for order in (1, 2) if rng.random() < 0.2 else (1,):
        payer, plan = rng.choice(data["payers"])
        cov_id = world.ids("coverage")
        first_cov = first_cov or cov_id
        lapsed = order == 1 and rng.random() < 0.05
        rows[CoverageRow].append(
            _tracked(
                world,
                id=cov_id,
                patient_id=pid,
                payer=payer,
                plan=plan,
                member_id=f"{payer[:3].upper()}{rng.randint(10**8, 10**9 - 1)}",
                order=order,
                period_start=world.today - timedelta(days=rng.randint(60, 1500)),
                period_end=world.today - timedelta(days=rng.randint(1, 30)) if lapsed else None,
                status="active",
                void_reason=None,
            )
        )
        stale = rng.random() < 0.35
        rows[EligibilityCheckRow].append(
            _tracked(
                world,
                id=world.ids("eligibility_check"),
                coverage_id=cov_id,
                checked_at=world.now
                - timedelta(days=rng.randint(31, 150) if stale else rng.randint(0, 29)),
                result=rng.choices(["eligible", "not-eligible", "error"], [92, 5, 3])[0],
                checked_by=SEEDER,
                note=None,
                status="active",
                void_reason=None,
            )
        )
    if rng.random() > 0.25:
        return None
    auth_id = world.ids("prior_authorization")
    expedited = rng.random() < 0.2
    requested = world.now - timedelta(hours=rng.randint(2, 24 * 9))
    due = decision_due(requested, expedited)
    decided = (due < world.now and rng.random() < 0.7) or rng.random() < 0.3
    decision = (
        rng.choices(["approved", "partial", "denied"], [75, 10, 15])[0] if decided else "pended"
    )
    approved = decision in ("approved", "partial")
    units = rng.randint(4, 12) if approved else None
    rows[PriorAuthorizationRow].append(
        _tracked(
            world,
            id=auth_id,
            patient_id=pid,
            coverage_id=first_cov,
            service=rng.choice(data["auth_services"]),
            status="active",
            decision=decision,
            expedited=expedited,
            requested_at=requested,
            decision_due=due,
            decided_at=min(due, world.now) if decided else None,
            auth_number=f"PA{auth_id:08d}" if approved else None,
            units_approved=units,
            units_used=rng.randint(0, units) if units else 0,
            valid_from=world.today - timedelta(days=rng.randint(0, 20)) if approved else None,
            valid_to=_days(world, -5, 120) if approved else None,
            void_reason=None,
        )
    )
    return auth_id


def _plan(
    world: _World,
    pid: int,
    cid: int,
    appts: list[int],
    referral_id: int | None,
    auth_id: int | None,
    rows: dict[type[Base], list[dict[str, Any]]],
) -> None:
    rng, data = world.rng, world.data
    template = rng.choice(data["plans"])
    anchor = _days(world, -35, 0)
    plan_id = world.ids("care_plan")
    rows[CarePlanRow].append(
        _tracked(
            world,
            id=plan_id,
            patient_id=pid,
            title=template["title"],
            template=template["template"],
            status="active",
            period_start=anchor,
            period_end=anchor + timedelta(days=90),
            void_reason=None,
        )
    )
    step_ids: list[int] = []
    statuses: list[str] = []
    spare_appts = [appts[1], appts[2]]
    for title, offset, priority, need, dep in template["steps"]:
        sid = world.ids("plan_step")
        due = anchor + timedelta(days=offset)
        dep_open = dep >= 0 and statuses[dep] != "completed"
        age = (world.today - due).days
        # Old steps are nearly all done; the backlog is the recent past.
        done_odds = 0.96 if age > 7 else 0.75 if age > 2 else 0.0
        if not dep_open and rng.random() < done_odds:
            status = "completed"
        elif due <= world.today:
            status = rng.choice(["requested", "ready", "in-progress"])
        else:
            status = rng.choice(["requested", "requested", "ready", "draft"])
        pooled = rng.random() < 0.15
        needs = [need] if need else []
        step_ids.append(sid)
        statuses.append(status)
        rows[PlanStepRow].append(
            _tracked(
                world,
                id=sid,
                care_plan_id=plan_id,
                patient_id=pid,
                title=title,
                status=status,
                business_status=(
                    rng.choice(data["business_statuses"])
                    if status != "completed" and rng.random() < 0.25
                    else None
                ),
                status_reason=None,
                priority=priority,
                owner_id=None if pooled else cid,
                owner_pool=data["pools"][0] if pooled else None,
                due_from=due - timedelta(days=2),
                due_by=due,
                needs=needs,
                appointment_id=(
                    spare_appts.pop(0)
                    if need == "appointment" and status != "completed" and spare_appts
                    else None
                ),
                referral_id=referral_id if need == "referral" else None,
                prior_auth_id=auth_id if need == "prior-auth" else None,
                completed_at=(
                    datetime.combine(due, time(12), tzinfo=UTC) if status == "completed" else None
                ),
            )
        )
        if dep >= 0:
            rows[StepDependencyRow].append({"step_id": sid, "depends_on_id": step_ids[dep]})


def _communications(
    world: _World,
    pid: int,
    author: str,
    contact_ids: list[int],
    rows: dict[type[Base], list[dict[str, Any]]],
) -> None:
    rng, data = world.rng, world.data
    for attempt in range(rng.randint(1, 3)):
        # The latest attempt is recent (a callback may be owed); earlier ones spread back.
        span = 60 * 24 * (2 if attempt == 0 else 12)
        sent = world.now - timedelta(minutes=rng.randint(30, span))
        outcome = rng.choice(data["outcomes"])
        recent = world.now - sent < timedelta(days=3)
        # Only the latest unanswered attempt leaves a callback owed, and not always.
        unanswered = outcome in ("voicemail", "no-answer", "busy")
        callback = attempt == 0 and recent and unanswered and rng.random() < 0.5
        contact = rng.choice(contact_ids) if contact_ids and rng.random() < 0.4 else None
        rows[CommunicationRow].append(
            _tracked(
                world,
                id=world.ids("communication"),
                patient_id=pid,
                contact_id=contact,
                with_whom="family contact" if contact else "patient",
                channel=rng.choice(data["channels"]),
                direction=rng.choices(["outbound", "inbound"], [80, 20])[0],
                status="completed",
                outcome=outcome,
                note=None,
                sent_at=sent,
                author=author,
                next_attempt_due=(sent + timedelta(hours=rng.randint(2, 72)) if callback else None),
                void_reason=None,
            )
        )
