"""Streams other than the books: ``seal`` + ``register`` + ``verify`` for any append-only table (the lead
wires audit and history rows this way). Exercised here on ``auth_group`` rows, registered for the test."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction

from riskpool.integrity import chain
from riskpool.integrity.models import ChainHead, ChainLink

from .conftest import tamper


def content(group):
    return {"name": group.name}


@pytest.fixture
def groups():
    chain.register("auth_group", Group, content, stream_of=lambda g: "groups")
    yield
    chain.unregister("auth_group")


def add(name, stream="groups"):
    with transaction.atomic():
        group = Group.objects.create(name=name)
        chain.seal(stream, "auth_group", group.pk, content(group))
    return group


def test_a_stream_of_the_callers_choosing_verifies(db, groups):
    rows = [add(f"g{i}") for i in range(3)]
    assert chain.verify("groups") == [] and chain.verify() == []
    assert chain.head("groups")[0] == 3 and chain.heads() == {"groups": chain.head("groups")}
    assert list(ChainLink.objects.filter(stream="groups").values_list("row_pk", flat=True)) == [g.pk for g in rows]


def test_edited_inserted_and_deleted_rows_are_reported_with_their_table_and_pk(db, groups):
    a, b = add("a"), add("b")
    add("c")
    tamper('UPDATE auth_group SET name = %s WHERE id = %s', ["a!", a.pk])
    tamper('DELETE FROM auth_group WHERE id = %s', [b.pk])
    d = Group.objects.create(name="d")  # no seal
    assert chain.verify("groups") == [
        f"chain groups #1 (auth_group #{a.pk}): row edited after sealing (content digest mismatch)",
        f"chain groups #2 (auth_group #{b.pk}): row is missing (deleted row?)",
        f"chain groups: auth_group #{d.pk} has no link (inserted behind the services' back?)",
    ]
    assert chain.verify("other") == []  # the unlinked row belongs to "groups"


def test_a_table_that_is_not_registered_is_reported_not_skipped(db):
    add("x", stream="loose")
    assert chain.verify("loose") == ["chain loose: table auth_group is not registered: its rows cannot be verified"]


def test_two_streams_are_independent(db, groups):
    add("a", stream="s1")
    add("b", stream="s2")
    tamper(f"DELETE FROM {ChainLink._meta.db_table} WHERE stream = 's1'")
    assert chain.verify("s2") == []
    assert any("s1" in p for p in chain.verify("s1"))


def test_canonical_json_is_stable_across_representations():
    one = {"b": Decimal("1.50"), "a": dt.date(2025, 1, 2), "t": (1, "二"), "n": None, "z": Decimal("0.00")}
    two = {"a": dt.date(2025, 1, 2), "b": Decimal("1.5"), "t": [1, "二"], "n": None, "z": Decimal("0")}
    assert chain.canonical_json(one) == chain.canonical_json(two) == (
        '{"a":"2025-01-02","b":"1.5","n":null,"t":[1,"二"],"z":"0"}')
    utc = dt.datetime(2025, 1, 1, 16, tzinfo=dt.timezone.utc)
    shanghai = utc.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert chain.canonical_json({"at": utc}) == chain.canonical_json({"at": shanghai})
    assert chain.content_digest({"a": Decimal("100")}) == chain.content_digest({"a": Decimal("1E+2")})
    with pytest.raises(chain.ChainError):
        chain.canonical_json({"x": object()})
    with pytest.raises(chain.ChainError):
        chain.canonical_json({"x": Decimal("NaN")})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (concurrent connections)")
@pytest.mark.django_db(transaction=True)
def test_two_first_writers_racing_on_a_new_stream_both_append(groups):
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            with transaction.atomic():
                group = Group.objects.create(name=name)
                barrier.wait(timeout=10)
                chain.seal("race", "auth_group", group.pk, content(group))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in ("left", "right")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(ChainLink.objects.filter(stream="race").values_list("seq", flat=True)) == [1, 2]
    assert ChainHead.objects.filter(stream="race").count() == 1
    assert chain.verify("race") == []
