"""Patient education: a library of plain-language explanations, and who was given which."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from pcc_tui.core.domain.codes import Channel, RecordStatus
from pcc_tui.core.domain.models import Record, Text

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")]


class EducationTopic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=3000)]


class EducationGiven(Record):
    """Which explanation was given, to the patient or to one of their contacts, and how."""

    patient_id: int
    topic_id: Slug
    topic_title: Text  # as it read when given: the library may change later
    contact_id: int | None = None
    given_to: Text
    channel: Channel
    given_at: datetime
    given_by: str | None = None
    note: str | None = Field(default=None, max_length=1000)
    status: RecordStatus = RecordStatus.ACTIVE
    void_reason: str | None = None
