"""The one business-day calendar: weekends, the country's public holidays (the holidays
package), the site's closures; pathway offsets in business days; the settings that set it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pcc_tui.core.config import load_settings
from pcc_tui.core.domain.business_days import BusinessCalendar
from pcc_tui.core.domain.pathways import TemplateStep
from pcc_tui.core.errors import ConfigError
from pcc_tui.core.libraries import load_pathways
from pcc_tui.core.services.referrals import default_reply_due
from pcc_tui.core.store.database import Policy

US = BusinessCalendar("US")
WED_BEFORE_THANKSGIVING = date(2026, 11, 25)


def test_thanksgiving_moves_a_two_business_day_clock_to_monday() -> None:
    assert US.add_business_days(WED_BEFORE_THANKSGIVING, 2) == date(2026, 11, 30)
    assert US.closed_because(date(2026, 11, 26)) == "Thanksgiving Day"
    # Weekends only: Thursday and Friday would count.
    assert BusinessCalendar(None).add_business_days(WED_BEFORE_THANKSGIVING, 2) == date(
        2026, 11, 27
    )


def test_a_friday_discharge_is_called_on_tuesday() -> None:
    assert US.add_business_days(date(2026, 11, 13), 2) == date(2026, 11, 17)


def test_a_site_closure_moves_it_a_day() -> None:
    closed = BusinessCalendar("US", closures=frozenset({date(2026, 11, 17)}))
    assert closed.add_business_days(date(2026, 11, 13), 2) == date(2026, 11, 18)
    assert closed.closed_because(date(2026, 11, 17)) == "site closure"


def test_a_subdivision_adds_its_own_holidays() -> None:
    # Cesar Chavez Day (31 March) is a California state holiday, not a federal one.
    ca = BusinessCalendar("US", "CA")
    assert US.is_business_day(date(2026, 3, 31)) and not ca.is_business_day(date(2026, 3, 31))


def test_counting_business_days_between_two_dates() -> None:
    assert US.business_days_between(WED_BEFORE_THANKSGIVING, date(2026, 11, 30)) == 2
    assert US.business_days_between(date(2026, 11, 30), WED_BEFORE_THANKSGIVING) == 0


def test_pathway_offsets_may_be_business_days() -> None:
    step = TemplateStep.model_validate({"key": "call", "title": "Call", "day": "2bd"})
    assert (step.day, step.business) == (2, True)
    assert step.due(WED_BEFORE_THANKSGIVING, US) == (None, date(2026, 11, 30))
    with pytest.raises(ValueError, match="business days as"):
        TemplateStep.model_validate({"key": "call", "title": "Call", "day": "2xd"})
    heart = load_pathways()["heart-failure-30d"]
    first = heart.steps[0]
    assert first.due(date(2026, 11, 13), US)[1] == date(2026, 11, 17)  # Friday -> Tuesday


def test_in_house_referral_replies_skip_holidays() -> None:
    policy = Policy(referral_reply_business_days_internal=3)
    assert default_reply_due(WED_BEFORE_THANKSGIVING, True, policy) == date(2026, 12, 1)


def _with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(body)
    monkeypatch.setenv("PCC_CONFIG", str(path))
    return path


def test_the_calendar_comes_from_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with(
        tmp_path,
        monkeypatch,
        '[policy]\nholiday_country = "US"\nholiday_subdivision = "CA"\nclosures = [2026-12-24]\n',
    )
    settings = load_settings()
    assert settings.policy.closures == [date(2026, 12, 24)]
    assert settings.policy.holiday_subdivision == "CA"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[policy]\nholiday_country = "XX"\n', "not a country the holidays package knows"),
        ('[policy]\nholiday_subdivision = "ZZ"\n', "not a subdivision of US"),
        ('[policy]\nclosures = ["soon"]\n', "policy.closures"),
    ],
)
def test_a_bad_calendar_setting_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    path = _with(tmp_path, monkeypatch, body)
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings()
    assert str(path) in str(caught.value)
