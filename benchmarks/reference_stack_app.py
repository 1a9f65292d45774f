"""The same-stack reference for benchmarks/tui.py: what any app on pcc's stack must pay to
show a database-backed list. It imports Textual, the SQLAlchemy ORM and pydantic, opens the
same SQLite file, reads 200 plan steps with their patients through mapped classes, checks
them with a pydantic model, and shows them in a DataTable. It has no sign-in, audit, access
checks or panels: those are what pcc adds on top, and what the ratio measures.

    python benchmarks/reference_stack_app.py sqlite:///big.db
"""

from __future__ import annotations

import sys
from datetime import date

from pydantic import BaseModel
from sqlalchemy import ForeignKey, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from textual.app import App, ComposeResult
from textual.widgets import DataTable


class Base(DeclarativeBase):
    pass


class Patient(Base):
    __tablename__ = "patient"
    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str] = mapped_column(String(40))
    family_name: Mapped[str] = mapped_column(String(100))


class Step(Base):
    __tablename__ = "plan_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    title: Mapped[str] = mapped_column(String(200))
    priority: Mapped[str] = mapped_column(String(10))
    due_by: Mapped[date]
    patient: Mapped[Patient] = relationship()


class Row(BaseModel):
    due_by: date
    priority: str
    patient: str
    title: str


def read_rows(url: str) -> list[Row]:
    engine = create_engine(url)
    with Session(engine) as session:
        query = select(Step).join(Step.patient).order_by(Step.id).limit(200)
        return [
            Row(
                due_by=s.due_by,
                priority=s.priority,
                patient=f"{s.patient.family_name[:2]} ..{s.patient.mrn[-4:]}",
                title=s.title,
            )
            for s in session.scalars(query)
        ]


class Reference(App[None]):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(cursor_type="row")
        table.add_columns("Due", "Pri", "Kind", "Patient", "What is owed")
        for i, row in enumerate(read_rows(self.url)):
            table.add_row(
                f"{row.due_by:%d %b}", row.priority, "step", row.patient, row.title, key=str(i)
            )
        yield table


if __name__ == "__main__":
    Reference(sys.argv[1]).run(mouse=False)
