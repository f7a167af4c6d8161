"""The base of the service's tables names constraints after their table and columns."""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...data.tables import Base, constraint_columns
from ..items import ItemsBase


def test_constraints_are_named_after_their_table_and_columns() -> None:
    """A unique name and a foreign key get names a migration and a 409 can refer to."""
    names = {constraint.name for constraint in ItemsBase.metadata.tables["test_items"].constraints}
    assert names >= {"pk_test_items", "uq_test_items_name", "fk_test_items_group_id_test_groups"}


def test_a_constraint_names_its_columns() -> None:
    """From a violation's constraint name back to the fields at fault."""
    assert constraint_columns("uq_test_items_name", ItemsBase.metadata) == ["name"]
    assert constraint_columns("no_such_constraint", ItemsBase.metadata) == []


def test_the_service_tables_share_the_convention() -> None:
    """Base's metadata is the one the migrations compare; its names follow the same rules."""

    class Probe(ItemsBase):
        """A table with a two-column unique constraint."""

        __tablename__ = "test_probes"
        __table_args__ = (UniqueConstraint("a", "b"),)

        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        a: Mapped[str] = mapped_column(String(5))
        b: Mapped[str] = mapped_column(String(5))

    assert Base.metadata.naming_convention == ItemsBase.metadata.naming_convention
    assert constraint_columns("uq_test_probes_a_b", ItemsBase.metadata) == ["a", "b"]
