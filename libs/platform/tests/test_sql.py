"""Upserts that SQLAlchemy can cache, with the SQL and the parameter types the table gives."""

import pytest
from sqlalchemy import ARRAY, JSON, Column, Integer, MetaData, String, Table, Uuid
from sqlalchemy.dialects.postgresql import insert

from matjip_platform.inbox import _CLAIM
from matjip_platform.sql import insert_or_update, insert_unless_present, is_any_of

things = Table(
    "things",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("name", String(20)),
    Column("tags", JSON),
    Column("n", Integer),
)


def test_the_statement_reads_as_the_insert_it_is() -> None:
    statement = insert_unless_present(things, ("id", "name", "tags"), on=("id",), returning=("id", "n"))
    assert str(statement) == (
        "INSERT INTO things (id, name, tags) VALUES (:id, :name, :tags) ON CONFLICT (id) DO NOTHING RETURNING id, n"
    )
    assert str(insert_unless_present(things, ("id",))) == "INSERT INTO things (id) VALUES (:id) ON CONFLICT DO NOTHING"


def test_parameters_and_returned_columns_carry_the_tables_types() -> None:
    statement = insert_unless_present(things, ("id", "tags"), returning=("n",))
    binds = statement.compile().binds
    assert isinstance(binds["id"].type, Uuid) and isinstance(binds["tags"].type, JSON)
    assert [type(c.type) for c in statement.selected_columns] == [Integer]


def test_it_has_a_cache_key_where_sqlalchemys_postgresql_insert_has_none() -> None:
    # The reason for the helper (sqlalchemy#10445): if SQLAlchemy starts caching its own, this tells us.
    assert insert(things).values(id=None).on_conflict_do_nothing()._generate_cache_key() is None
    assert insert_unless_present(things, ("id", "name"), on=("id",))._generate_cache_key() is not None
    assert _CLAIM._generate_cache_key() is not None


@pytest.mark.parametrize("name", ["Name", "id; DROP TABLE things", "n-1", ""])
def test_names_that_are_not_plain_identifiers_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        insert_unless_present(things, ("id", name))


def test_an_upsert_reads_as_the_insert_it_is() -> None:
    statement = insert_or_update(things, ("id", "name", "n"), on=("id",), only_if_newer="n", returning=("id",))
    assert str(statement) == (
        "INSERT INTO things (id, name, n) VALUES (:id, :name, :n) ON CONFLICT (id)"
        " DO UPDATE SET name = EXCLUDED.name, n = EXCLUDED.n WHERE things.n < EXCLUDED.n RETURNING id"
    )
    counted = insert_or_update(things, ("id", "n"), on=("id",), update={"n": "things.n + 1"}, returning=("n",))
    assert str(counted) == (
        "INSERT INTO things (id, n) VALUES (:id, :n) ON CONFLICT (id) DO UPDATE SET n = things.n + 1 RETURNING n"
    )
    assert counted._generate_cache_key() is not None
    assert isinstance(counted.compile().binds["id"].type, Uuid)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"on": ()},  # no conflict target
        {"on": ("id",), "update": ()},  # nothing to update
        {"on": ("id",), "only_if_newer": "n; --"},
        {"on": ("id",), "update": {"name; --": "1"}},
    ],
)
def test_an_upsert_without_a_target_or_with_odd_names_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        insert_or_update(things, ("id", "name"), **kwargs)  # type: ignore[arg-type]


def test_any_of_a_list_is_one_statement_with_an_array_parameter() -> None:
    condition = is_any_of(things.c.id, "ids")
    assert str(condition) == "things.id = any(:ids)"
    bind = condition.compile().binds["ids"]
    assert isinstance(bind.type, ARRAY) and isinstance(bind.type.item_type, Uuid)
