"""Import FHIR R4 data: each unit (a bundle, a resource, an ndjson file) in one transaction
with one audit row. Re-importing is idempotent through `fhir_link` (source + type + id):
unchanged content is skipped, changed content updates the record, nothing is duplicated.

Mapped: Patient (and Patient.contact), RelatedPerson, Organization and Practitioner
(providers; PractitionerRole fills in specialty and organisation), Condition (problem list),
Encounter (past visits as fulfilled appointments), Appointment, CareTeam (or, where absent,
the practitioners of the encounters), CarePlan with its activities, Task, ServiceRequest
(referrals), Coverage (or, where absent, derived from ExplanationOfBenefit payers and
billing periods), Communication. Every other type is counted as skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from pcc_tui.core.domain.lenient import validate_leniently
from pcc_tui.core.domain.models import (
    Appointment,
    CarePlan,
    CareTeamMember,
    Communication,
    Contact,
    Coverage,
    Patient,
    PlanStep,
    Practitioner,
    Problem,
    Referral,
)
from pcc_tui.core.errors import DomainError
from pcc_tui.core.interop import fhir_map as m
from pcc_tui.core.interop.fhir_files import Problem as FileProblem
from pcc_tui.core.interop.fhir_files import Unit, Wanted
from pcc_tui.core.interop.fhir_refs import identifiers
from pcc_tui.core.services.context import Actor, Tx, action, values_of
from pcc_tui.core.services.fhir_derived import derived_care_team, derived_coverage
from pcc_tui.core.services.fhir_resolve import Resolver, RunIndex, widen
from pcc_tui.core.services.plans import holder_plan
from pcc_tui.core.store.database import Store
from pcc_tui.core.store.queries.names import index_patient_names
from pcc_tui.core.store.tables import (
    AppointmentRow,
    Base,
    CarePlanRow,
    CareTeamMemberRow,
    CommunicationRow,
    ContactRow,
    CoverageRow,
    FhirLinkRow,
    PatientRow,
    PlanStepRow,
    PractitionerRow,
    ProblemRow,
    ReferralRow,
)

IMPORT_TASKS = "fhir-tasks"  # the plan that holds a patient's imported standalone Tasks
IMPORT_POOL = "imported"  # steps of imported plans, when the importer owns no caseload

# Referenced before referring; claims last, to derive coverage where none is given.
ORDER = (
    "Organization",
    "Practitioner",
    "PractitionerRole",
    "Patient",
    "RelatedPerson",
    "Condition",
    "Encounter",
    "Appointment",
    "CareTeam",
    "CarePlan",  # before Task: a Task based on a CarePlan becomes one of its steps
    "Task",
    "ServiceRequest",
    "Coverage",
    "Communication",
    "ExplanationOfBenefit",
)
RAW = frozenset({"ExplanationOfBenefit"})  # read from JSON, never validated into a model
WANTED = Wanted(models=frozenset(ORDER) - RAW, raw=RAW)  # the rest is only counted


@dataclass
class UnitResult:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # types pcc does not keep
    warnings: list[FileProblem] = field(default_factory=list)  # kept, a detail missing
    left_out: list[FileProblem] = field(default_factory=list)  # clinical data not kept


@dataclass(frozen=True)
class Assign:
    """Whose scope a patient the import creates lands in (a coordinator, a ward, or both);
    without one, the importing coordinator's own caseload."""

    coordinator_id: int | None = None
    ward: str | None = None


class Unresolved(Exception):
    """A reference the importer cannot follow: the resource is left out and reported."""


class UnitRefused(DomainError):
    """A resource of the unit cannot be stored: the whole unit is rolled back."""

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__("; ".join(p.line() for p in problems))
        self.problems = problems


def _hash(values: dict[str, Any]) -> str:
    """Of what we keep, not of the resource: the same practitioner repeated in many bundles
    with other extensions, or a resource re-serialised, is no change."""
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class _Importer:
    def __init__(
        self, tx: Tx, source: str, unit: Unit, run: RunIndex | None, assign: Assign | None
    ) -> None:
        self.tx, self.source, self.unit = tx, source, unit
        self.result = UnitResult()
        self.refs = Resolver(tx, source, run)
        self.links = LinkCache(tx.session, source)
        self.pending: dict[tuple[str, str], _Pending] = {}
        self.assign = assign or Assign(coordinator_id=tx.actor.coordinator_id)
        self.position = {id(r): i for r, i in zip(unit.resources, unit.positions, strict=True)}
        self.given_coverage: set[int | None] = set()
        self.given_team: set[int] = set()
        self.seen_by: dict[tuple[int, int], tuple[Any, Any]] = {}
        self.payers: dict[tuple[int, str], list[Any]] = self.refs.unit.payers

    def problem(self, resource: Any, what: str) -> FileProblem:
        if isinstance(resource, dict):
            return FileProblem(
                self.unit.file, self.position.get(id(resource)), resource.get("resourceType"), what
            )
        return FileProblem(
            self.unit.file, self.position.get(id(resource)), resource.get_resource_type(), what
        )

    def resolve(self, ref: str | None, rtype: str) -> int | None:
        return self.refs.resolve(ref, rtype)

    def remember(self, resource: Any, entity_id: int) -> None:
        full_url = self.unit.urls.get(self.position.get(id(resource), -1))
        rtype = resource.get_resource_type()
        self.refs.remember(rtype, str(resource.id), full_url, identifiers(resource), entity_id)

    def valid(self, model: Any, values: dict[str, Any], resource: Any) -> Any:
        """The domain model; an optional detail that does not validate is left out and
        named, never a reason to refuse the resource."""
        found, dropped = validate_leniently(model, values)
        if dropped:
            self.result.warnings.append(
                self.problem(resource, f"left out, not valid: {', '.join(dropped)}")
            )
        return found

    def store(
        self,
        resource: Any,
        table: type[Base],
        values: dict[str, Any],
        part: str | None = None,
        *,
        then: Callable[[int], None] | None = None,
        now: bool = False,
    ) -> int | None:
        """Insert, update or leave alone, keyed on (source, type, id[/part]). A new record
        is written with the others of its type in one statement (its id then goes to
        `then`), unless `now`: the caller needs its id at once (a patient for its contacts)."""
        rtype = resource.get_resource_type()
        fhir_id = str(resource.id) + (f"/{part}" if part else "")
        label = rtype if part is None else f"{rtype} ({part.rstrip('0123456789')})"
        return self.keep(rtype, fhir_id, table, values, _hash(values), label, then=then, now=now)

    def keep(
        self,
        rtype: str,
        fhir_id: str,
        table: type[Base],
        values: dict[str, Any],
        digest: str,
        label: str,
        *,
        then: Callable[[int], None] | None = None,
        now: bool = True,
    ) -> int | None:
        key = (rtype, fhir_id)
        waiting = self.pending.get(key)
        if waiting is not None:  # the same resource twice in one unit: the later one is kept
            for name, value in values.items():
                setattr(waiting.row, name, value)
            waiting.digest = digest
            return None
        new = self.links.new.get(key)
        if new is not None:
            row = self.tx.session.get(table, new["entity_id"])
            if row is not None:
                for name, value in values.items():
                    setattr(row, name, value)
                new["content_hash"] = digest
                return int(new["entity_id"])
        link = self.links.get(rtype, fhir_id)
        if link is not None:
            row = self.tx.session.get(table, link.entity_id)
            if row is not None and link.content_hash == digest:
                self.result.unchanged[label] += 1
                if then is not None:
                    then(link.entity_id)
                return link.entity_id
            if row is not None:
                self.tx.track(row)
                for name, value in values.items():
                    setattr(row, name, value)
                link.content_hash, link.imported_at = digest, self.tx.now
                self.result.updated[label] += 1
                if then is not None:
                    then(link.entity_id)
                return link.entity_id
        self.result.created[label] += 1
        if not now:
            row = self.tx.add_later(table(**values))
            self.pending[key] = _Pending(row, table.__tablename__, digest, link, then)
            return None
        row = self.tx.add(table(**values))
        entity_id = int(row.id)  # type: ignore[attr-defined]
        self._linked(key, table.__tablename__, entity_id, digest, link)
        if then is not None:
            then(entity_id)
        return entity_id

    def _linked(
        self, key: tuple[str, str], entity_type: str, entity_id: int, digest: str, link: Any
    ) -> None:
        if link is None:
            self.links.add(*key, entity_type, entity_id, digest, self.tx.now)
        else:  # the record it became was removed: the link now names the new one
            link.entity_id, link.content_hash, link.imported_at = entity_id, digest, self.tx.now

    def write_pending(self) -> None:
        """The new records held back: one flush (a multi-row INSERT ... RETURNING), then
        their links and what waited for their ids."""
        if not self.pending:
            return
        self.tx.session.flush()
        waiting, self.pending = self.pending, {}
        for key, item in waiting.items():
            entity_id = int(item.row.id)
            self._linked(key, item.entity_type, entity_id, item.digest, item.link)
            if item.then is not None:
                item.then(entity_id)

    def run(self) -> UnitResult:
        problems: list[FileProblem] = []
        by_type: dict[str, list[Any]] = {}
        for r in self.unit.resources:
            rtype = r.get_resource_type()
            if rtype in RAW:  # validated anyway (a caller asked for everything): use its JSON
                data = r.model_dump(mode="json", exclude_none=True)
                self.position[id(data)] = self.position.get(id(r), 0)
                r = data
            by_type.setdefault(rtype, []).append(r)
        for index, data in self.unit.raw:
            self.position[id(data)] = index
            by_type.setdefault(data["resourceType"], []).append(data)
        self.result.skipped.update(self.unit.skipped)
        for rtype, found in by_type.items():
            if rtype not in ORDER:
                self.result.skipped[rtype] += len(found)
        self.links.prefetch(_link_keys(by_type))
        for rtype in ORDER:
            for resource in by_type.get(rtype, []):
                rid = resource.get("id") if isinstance(resource, dict) else resource.id
                if not rid:
                    problems.append(self.problem(resource, "no id: it cannot be re-imported"))
                    continue
                try:
                    getattr(self, f"_{rtype.lower()}")(resource)
                except Unresolved as exc:  # reported, not fatal: the rest of the unit goes in
                    self.result.left_out.append(self.problem(resource, str(exc)))
                except m.MappingProblem as exc:
                    problems.append(self.problem(resource, str(exc)))
                except ValidationError as exc:
                    first = exc.errors(include_input=False)[0]
                    where = ".".join(str(p) for p in first["loc"])
                    problems.append(self.problem(resource, f"{where}: {first['msg']}"))
            self.write_pending()  # a type's new records together, before the types after it
        if problems:
            raise UnitRefused(problems)
        self.derive_coverage()
        self.derive_care_team()
        self.write_pending()
        self.refs.keep_identifiers()
        self.links.write_new()
        return self.result

    def _organization(self, o: Any) -> None:
        values = values_of(self.valid(Practitioner, m.organization_values(o), o))
        self.store(o, PractitionerRow, values, then=lambda eid: self.remember(o, eid))

    def _practitioner(self, pr: Any) -> None:
        values = values_of(self.valid(Practitioner, m.practitioner_values(pr), pr))
        self.store(pr, PractitionerRow, values, then=lambda eid: self.remember(pr, eid))

    def _patient(self, p: Any) -> None:
        patient = self.valid(Patient, m.patient_values(p, self.tx.store.policy.mrn_system), p)
        clash = self.tx.session.scalar(
            select(PatientRow.id).where(
                PatientRow.mrn == patient.mrn, PatientRow.mrn_system == patient.mrn_system
            )
        )
        linked = self.links.get("Patient", str(p.id))
        if clash is not None and (linked is None or linked.entity_id != clash):
            raise m.MappingProblem("its MRN belongs to a patient imported from elsewhere")
        pid = self.store(
            p, PatientRow, values_of(patient, "coordinator_id", "ward", "bed"), now=True
        )
        assert pid is not None
        row = self.tx.session.get(PatientRow, pid)
        assert row is not None
        if linked is None and row.coordinator_id is None and row.ward is None:
            # New here: in someone's scope, or nobody but a supervisor could open it.
            row.coordinator_id, row.ward = self.assign.coordinator_id, self.assign.ward
        index_patient_names(self.tx.session, pid, row.family_name, row.given_name)
        self.remember(p, pid)
        for n, values in enumerate(m.patient_contacts(p)):
            contact = self.valid(Contact, {**values, "patient_id": pid}, p)
            self.store(p, ContactRow, values_of(contact), part=f"contact{n}")
        if self.tx.patient_id is None:
            self.tx.patient_id = pid

    def _practitionerrole(self, role: Any) -> None:
        """Fills in the practitioner's specialty and organisation; no record of its own."""
        prac = self.resolve(m.reference(role.practitioner), "Practitioner")
        row = self.tx.session.get(PractitionerRow, prac) if prac is not None else None
        if row is None:
            self.result.warnings.append(self.problem(role, "practitioner reference not resolved"))
            return
        specialty = m.concept_text(role.specialty[0]) if role.specialty else None
        organization = role.organization.display if role.organization is not None else None
        new = (
            (specialty or row.specialty or "")[:120] or None,
            (organization or row.organization or "")[:200] or None,
        )
        if new == (row.specialty, row.organization):
            self.result.unchanged["PractitionerRole"] += 1
            return
        self.tx.track(row)
        row.specialty, row.organization = new
        self.result.updated["PractitionerRole"] += 1

    def _relatedperson(self, rp: Any) -> None:
        pid = self._patient_of(rp, rp.patient)
        contact = self.valid(Contact, {**m.related_person_values(rp), "patient_id": pid}, rp)
        self.store(rp, ContactRow, values_of(contact))

    def _appointment(self, a: Any) -> None:
        values, participants = m.appointment_values(a)
        pid = prac = None
        for ref, status in participants:
            if pid is None and (found := self.resolve(ref, "Patient")) is not None:
                pid = found
                if status in m.PARTICIPATION:
                    values["patient_status"] = status
            elif prac is None:
                prac = self.resolve(ref, "Practitioner")
        if pid is None:
            raise Unresolved("no participant resolves to a patient: left out")
        appt = self.valid(Appointment, {**values, "patient_id": pid, "practitioner_id": prac}, a)
        self.store(a, AppointmentRow, values_of(appt))

    def _task(self, t: Any) -> None:
        pid = self._patient_of(t, t.for_fhir)
        plan = next(
            (
                found
                for ref in t.basedOn or []
                if (found := self.resolve(m.reference(ref), "CarePlan")) is not None
            ),
            None,
        ) or holder_plan(self.tx, pid, IMPORT_TASKS, "Tasks from the EHR")
        owner = self.tx.actor.coordinator_id
        step = self.valid(
            PlanStep,
            {
                **m.task_values(t),
                "care_plan_id": plan,
                "patient_id": pid,
                "owner_id": owner,
                "owner_pool": None if owner else IMPORT_POOL,
            },
            t,
        )
        self.store(t, PlanStepRow, values_of(step, "depends_on"))

    def _servicerequest(self, sr: Any) -> None:
        pid = self._patient_of(sr, sr.subject)
        referral = self.valid(Referral, {**m.service_request_values(sr), "patient_id": pid}, sr)
        self.store(sr, ReferralRow, values_of(referral))

    def _communication(self, c: Any) -> None:
        pid = self._patient_of(c, c.subject)
        comm = self.valid(Communication, {**m.communication_values(c), "patient_id": pid}, c)
        self.store(c, CommunicationRow, values_of(comm))

    def _patient_of(self, resource: Any, element: Any) -> int:
        pid = self.resolve(m.reference(element), "Patient")
        if pid is None:
            raise Unresolved("its patient reference cannot be resolved: left out")
        return pid

    def _condition(self, c: Any) -> None:
        pid = self._patient_of(c, c.subject)
        problem = self.valid(Problem, {**m.condition_values(c), "patient_id": pid}, c)
        self.store(c, ProblemRow, values_of(problem))

    def _encounter(self, e: Any) -> None:
        pid = self._patient_of(e, e.subject)
        ref = m.encounter_practitioner(e)
        prac = self.resolve(ref, "Practitioner")
        if ref and prac is None:
            self.result.warnings.append(self.problem(e, "practitioner reference not resolved"))
        values = m.encounter_values(e)
        appt = self.valid(Appointment, {**values, "patient_id": pid, "practitioner_id": prac}, e)
        self.store(e, AppointmentRow, values_of(appt))
        if prac is not None:  # who saw the patient, for a care team when none is given
            first, last = self.seen_by.get((pid, prac), (values["start"], values["start"]))
            self.seen_by[(pid, prac)] = (min(first, values["start"]), max(last, values["start"]))

    def _careteam(self, t: Any) -> None:
        pid = self._patient_of(t, t.subject)
        self.given_team.add(pid)
        for n, (ref, values) in enumerate(m.care_team_members(t)):
            prac = self.resolve(ref, "Practitioner")
            if prac is None:
                continue  # the patient, an organisation, or someone not in this import
            member = self.valid(
                CareTeamMember, {**values, "patient_id": pid, "practitioner_id": prac}, t
            )
            self.store(t, CareTeamMemberRow, values_of(member), part=f"member{n}")

    def _careplan(self, cp: Any) -> None:
        pid = self._patient_of(cp, cp.subject)
        values = m.care_plan_values(cp)
        plan = self.valid(CarePlan, {**values, "patient_id": pid, "template": "fhir-import"}, cp)
        plan_id = self.store(cp, CarePlanRow, values_of(plan), now=True)
        assert plan_id is not None
        self.remember(cp, plan_id)
        owner = self.tx.actor.coordinator_id
        for n, step in enumerate(m.care_plan_steps(cp, values)):
            model = self.valid(
                PlanStep,
                {
                    **step,
                    "care_plan_id": plan_id,
                    "patient_id": pid,
                    "owner_id": owner,
                    "owner_pool": None if owner else IMPORT_POOL,
                },
                cp,
            )
            self.store(cp, PlanStepRow, values_of(model, "depends_on"), part=f"step{n}")

    def _coverage(self, c: Any) -> None:
        pid = self._patient_of(c, c.beneficiary)
        payer = next((p.display for p in c.payor or [] if p.display), None)
        for ref in c.payor or []:  # no name given: the payer organisation's, if in the run
            if payer:
                break
            org = self.resolve(m.reference(ref), "Organization")
            row = self.tx.session.get(PractitionerRow, org) if org is not None else None
            payer = row.name if row is not None else None
        values = {**m.coverage_values(c, payer), "patient_id": pid}
        coverage = self.valid(Coverage, values, c)
        self.store(c, CoverageRow, values_of(coverage))
        self.given_coverage.add(pid)  # stated coverage: claims are not needed for this patient

    def _explanationofbenefit(self, eob: dict[str, Any]) -> None:
        """Synthea states coverage only in claims: one coverage per payer, over the billed
        periods; the payer of the latest claim is the active one. Read from the JSON: three
        fields of a large resource."""
        pid = self.resolve((eob.get("patient") or {}).get("reference"), "Patient")
        if pid is None:
            raise Unresolved("its patient reference cannot be resolved: left out")
        if pid in self.given_coverage:
            return
        found = m.claim_payer_json(eob)
        if found is None:
            return
        payer, start, end = found
        widen(self.payers.setdefault((pid, payer), [start, end]), start, end)

    def derive_care_team(self) -> None:
        derived_care_team(self)

    def derive_coverage(self) -> None:
        derived_coverage(self)

    def stored(self, rtype: str, fhir_id: str, table: type[Base]) -> Any:
        """The row an earlier import made for this key, if any (derived records widen it)."""
        link = self.links.get(rtype, fhir_id)
        return self.tx.session.get(table, link.entity_id) if link is not None else None


# The records one resource becomes besides its own: (type, field of its parts, part name).
PARTS = {"Patient": ("contact", "contact"), "CarePlan": ("activity", "step")}
PARTS["CareTeam"] = ("participant", "member")


def _link_keys(by_type: dict[str, list[Any]]) -> list[tuple[str, str]]:
    """Every (type, id[/part]) a unit may look up in fhir_link, to fetch in a few queries."""
    keys = []
    for rtype, found in by_type.items():
        if rtype not in ORDER:
            continue
        part = PARTS.get(rtype)
        for resource in found:
            rid = resource.get("id") if isinstance(resource, dict) else resource.id
            if not rid:
                continue
            keys.append((rtype, str(rid)))
            if part is not None:
                many = len(getattr(resource, part[0], None) or [])
                keys.extend((rtype, f"{rid}/{part[1]}{n}") for n in range(many))
    return keys


@dataclass
class _Pending:
    """A new record held back to be written with the others of its type."""

    row: Any
    entity_type: str
    digest: str
    link: Any
    then: Callable[[int], None] | None


class LinkCache:
    """fhir_link for one unit: looked up in a few queries up front (not one per record),
    and the unit's new links written in one statement at its end."""

    def __init__(self, session: Session, source: str) -> None:
        self.session, self.source = session, source
        self.found: dict[tuple[str, str], FhirLinkRow] = {}
        self.absent: set[tuple[str, str]] = set()
        self.new: dict[tuple[str, str], dict[str, Any]] = {}

    def prefetch(self, keys: list[tuple[str, str]]) -> None:
        """One query per 500 ids, whatever their types (ids are matched with their type
        here; the query only narrows)."""
        wanted = set(keys)
        ids = sorted({fhir_id for _rtype, fhir_id in wanted})
        types = sorted({rtype for rtype, _id in wanted})
        for start in range(0, len(ids), 500):
            rows = self.session.scalars(
                select(FhirLinkRow).where(
                    FhirLinkRow.source == self.source,
                    FhirLinkRow.resource_type.in_(types),
                    FhirLinkRow.fhir_id.in_(ids[start : start + 500]),
                )
            )
            for row in rows:
                if (row.resource_type, row.fhir_id) in wanted:
                    self.found[(row.resource_type, row.fhir_id)] = row
        self.absent.update(k for k in wanted if k not in self.found)

    def get(self, rtype: str, fhir_id: str) -> FhirLinkRow | None:
        key = (rtype, fhir_id)
        if key in self.found:
            return self.found[key]
        if key in self.absent or key in self.new:
            return None
        row = self.session.get(FhirLinkRow, (self.source, rtype, fhir_id))
        if row is not None:
            self.found[key] = row
        return row

    def add(
        self, rtype: str, fhir_id: str, entity_type: str, entity_id: int, digest: str, at: Any
    ) -> None:
        self.new[(rtype, fhir_id)] = {
            "source": self.source,
            "resource_type": rtype,
            "fhir_id": fhir_id,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "content_hash": digest,
            "imported_at": at,
        }

    def write_new(self) -> None:
        if self.new:
            self.session.execute(insert(FhirLinkRow), list(self.new.values()))
            self.new.clear()


def import_unit(
    store: Store,
    actor: Actor,
    source: str,
    unit: Unit,
    run: RunIndex | None = None,
    assign: Assign | None = None,
) -> UnitResult:
    """One unit, all or nothing: UnitRefused names every problem and nothing is kept. With
    `run`, references may point to what earlier units of the run became, and this unit's
    records join it once it committed."""
    importer: _Importer | None = None
    with action(store, actor, "fhir.import") as tx:
        importer = _Importer(tx, source, unit, run, assign)
        result = importer.run()
        tx.entity_type = "fhir_import"
        tx.detail.update(
            source=source,
            file=unit.file,
            created=dict(result.created),
            updated=dict(result.updated),
            unchanged=dict(result.unchanged),
            skipped=dict(result.skipped),
            left_out=len(result.left_out),
        )
    if run is not None:
        run.merge(importer.refs.unit)
    return result
