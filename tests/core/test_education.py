"""Patient education: the shipped library, site topics, and consent-gated records."""

from __future__ import annotations

from pathlib import Path

import pytest

from pcc_tui.core.domain.codes import Channel, ConsentDecision, ShareScope
from pcc_tui.core.domain.models import Contact
from pcc_tui.core.errors import DomainError
from pcc_tui.core.libraries import TemplateFileError, load_education
from pcc_tui.core.services.context import Actor
from pcc_tui.core.services.education import record_education
from pcc_tui.core.services.reads import view_chart
from pcc_tui.core.services.record_changes import add_contact
from pcc_tui.core.store.database import Store
from tests import builders
from tests.conftest import FIXED_NOW

TODAY = FIXED_NOW.date()


def test_the_shipped_library(tmp_path: Path) -> None:
    topics = load_education(tmp_path)
    assert len(topics) >= 10
    assert "heart-failure-daily-weight" in topics and "inhaler-technique" in topics
    assert all(len(t.text.split()) >= 30 for t in topics.values())  # real explanations


def test_site_topics_add_and_bad_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "ours.toml").write_text(
        '[[topics]]\nid = "mri-scan"\ntitle = "MRI at our hospital"\n'
        'text = "Come to the basement, door 4, and bring your appointment letter."\n'
    )
    assert load_education(tmp_path)["mri-scan"].title == "MRI at our hospital"
    (tmp_path / "broken.toml").write_text('[[topics]]\nid = "x"\ntitle = "X"\ntext = "short"\n')
    with pytest.raises(TemplateFileError, match=r"broken\.toml: topics\.0\.text"):
        load_education(tmp_path)


def _contact(store: Store, actor: Actor, pid: int, name: str, **kw: object) -> int:
    values: dict[str, object] = {"patient_id": pid, "name": name, "relationship": "daughter"}
    values.update(kw)
    return add_contact(store, actor, Contact.model_validate(values))


def test_education_is_recorded_within_consent(
    store: Store, coordinator: Actor, tmp_path: Path
) -> None:
    topics = load_education(tmp_path)
    pid = builders.patient(store, coordinator)
    agreed = _contact(
        store,
        coordinator,
        pid,
        "Ana",
        consent=ConsentDecision.AGREED,
        consent_on=TODAY,
        share_scope=[ShareScope.CONDITION, ShareScope.APPOINTMENTS],
    )
    appointments_only = _contact(
        store,
        coordinator,
        pid,
        "Ben",
        consent=ConsentDecision.AGREED,
        consent_on=TODAY,
        share_scope=[ShareScope.APPOINTMENTS],
    )
    objected = _contact(
        store,
        coordinator,
        pid,
        "Cas",
        consent=ConsentDecision.OBJECTED,
        consent_on=TODAY,
    )
    weight = topics["heart-failure-daily-weight"]
    record_education(store, coordinator, pid, weight, Channel.IN_PERSON)
    record_education(store, coordinator, pid, weight, Channel.PHONE, contact_id=agreed)
    with pytest.raises(
        DomainError, match=r"Ben .daughter. has no consent to hear about the condition"
    ):
        record_education(
            store, coordinator, pid, weight, Channel.PHONE, contact_id=appointments_only
        )
    with pytest.raises(DomainError, match=r"Cas .daughter. has no consent .* OBJECTED"):
        record_education(store, coordinator, pid, weight, Channel.PHONE, contact_id=objected)
    chart = view_chart(store, coordinator, pid)
    given = sorted((e.given_to, e.channel.value) for e in chart.education)
    assert given == [("Ana (daughter)", "phone"), ("patient", "in-person")]
    assert {e.topic_title for e in chart.education} == {weight.title}
    assert all(e.given_by == "alex" for e in chart.education)
