"""The scenario library (core/scenario_store.py) against SQLite always and a real PostgreSQL server when
DPE_TEST_POSTGRES_URL is set (.ci/run starts one; CI fails rather than skips without it)."""

from __future__ import annotations

import ast
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

import core.scenario_store as scenario_store
from core import CATEGORIES, Policy
from core.scenario_store import (
    DEFAULT_PATH,
    ENV_VAR,
    MAX_DIFF_BYTES,
    Conflict,
    InvalidScenario,
    NameTaken,
    NotFound,
    SavedScenario,
    ScenarioStore,
    StoreError,
    StoreUnavailable,
    store_url,
)

ROOT = Path(__file__).resolve().parent.parent
DIFF_A = {"categories": {"Automotive": {"company": 4_000_000}}}
DIFF_B = {
    "growth": {"min_yoy_growth": 0.05, "min_growing_quarters": 2},
    "flags": {"max_transaction_problem_rate": 0.05},
}
SQL_WORDS = ("SELECT", "INSERT", "UPDATE", "DELETE", "sqlite", "postgresql", "://")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return store_url({ENV_VAR: str(tmp_path / "library" / "scenarios.sqlite")})
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def open_store(db_url):
    """Makes stores on the test's database, each with its own engine (as separate app processes have)."""
    made: list[ScenarioStore] = []

    def make(url_or_engine=None, **kwargs) -> ScenarioStore:
        store = ScenarioStore(url_or_engine if url_or_engine is not None else db_url, **kwargs)
        made.append(store)
        return store

    yield make
    for store in made:
        store.dispose()


@pytest.fixture
def store(open_store) -> ScenarioStore:
    return open_store()


def assert_user_message(message: str, *secrets: str) -> None:
    """A message for people: no SQL, no URL, nothing from the connection settings."""
    for word in (*SQL_WORDS, *secrets):
        assert word not in message, f"{word!r} leaked into: {message}"


def run_at_once(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call in its own thread, released together; each result is a value or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def worker(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


# -- the round trip ---------------------------------------------------------------------------------------


def test_save_list_get_rename_duplicate_delete(store):
    before = datetime.now(UTC)
    a = store.save("Q3 stricter", "Automotive up to 4 M", DIFF_A, "ann@example.com")
    after = datetime.now(UTC)
    assert (a.name, a.description, a.author, a.updated_by, a.diff) == (
        "Q3 stricter",
        "Automotive up to 4 M",
        "ann@example.com",
        "ann@example.com",
        DIFF_A,
    )
    assert a.created_at.tzinfo == UTC and before <= a.created_at == a.updated_at <= after
    assert store.list() == [a]
    assert store.get(a.id) == a
    assert store.get_by_name("  q3   STRICTER ") == a

    renamed = store.rename(a.id, "Q3 strict", author="bob")
    assert renamed.name == "Q3 strict" and renamed.updated_by == "bob" and renamed.author == "ann@example.com"
    assert renamed.created_at == a.created_at and renamed.updated_at > a.updated_at
    assert store.get(a.id) == renamed
    with pytest.raises(NotFound, match="no scenario named “Q3 stricter”"):
        store.get_by_name("Q3 stricter")

    copy = store.duplicate(a.id, "Q3 copy", "carol")
    assert copy.id != a.id and (copy.diff, copy.description) == (DIFF_A, "Automotive up to 4 M")
    assert (copy.author, copy.updated_by) == ("carol", "carol") and copy.created_at >= renamed.updated_at
    assert [s.name for s in store.list()] == ["Q3 copy", "Q3 strict"]

    store.delete(a.id)
    with pytest.raises(NotFound):
        store.get(a.id)
    with pytest.raises(NotFound):
        store.delete(a.id)
    assert store.list() == [copy]


def test_ids_of_deleted_scenarios_are_not_reused(store):
    # another session may still hold the id of a deleted scenario: it must not open a different one
    first = store.save("one", "", {}, None)
    store.delete(first.id)
    assert store.save("two", "", {}, None).id != first.id


def test_times_and_authors_are_recorded(open_store):
    t0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    times = iter([t0, t0 + timedelta(hours=2), t0 + timedelta(hours=1)])  # the last one steps back in time
    store = open_store(clock=lambda: next(times))
    a = store.save("Plan", "v1", DIFF_A, "ann")
    assert (a.created_at, a.updated_at, a.author, a.updated_by) == (t0, t0, "ann", "ann")
    b = store.save("plan", "v2", DIFF_B, "bob", overwrite=True, expected_updated_at=a.updated_at)
    assert (b.id, b.name, b.created_at, b.updated_at) == (a.id, "Plan", t0, t0 + timedelta(hours=2))
    assert (b.author, b.updated_by, b.description, b.diff) == ("ann", "bob", "v2", DIFF_B)
    # a clock that steps back still gives a later updated_at, so it always identifies one version
    c = store.save("Plan", "v3", DIFF_A, None, overwrite=True, expected_updated_at=b.updated_at)
    assert c.updated_at == b.updated_at + timedelta(microseconds=1) and c.updated_by is None
    assert store.get(a.id) == c


def test_author_is_optional_and_texts_are_trimmed(store):
    s = store.save("  Anonymous   plan ", "  why: 1\n  2  ", {}, "   ")
    assert (s.name, s.description, s.author) == ("Anonymous plan", "why: 1\n  2", None)
    assert store.get(s.id) == s


def test_unicode_round_trips(store):
    diff = {"name": "Zażółć — wariant ß", "categories": {"Kids": {"brand": 600_000.5}}}
    s = store.save("Łódź ★ wariant", "opis: żółw", diff, "Żaneta")
    assert store.get(s.id) == s and s.diff == diff
    assert store.get_by_name("ŁÓDŹ ★ WARIANT") == s


# -- names ----------------------------------------------------------------------------------------------


def test_a_name_is_unique_trimmed_and_case_insensitive(store):
    a = store.save("Q3 Stricter", "", DIFF_A, "ann")
    with pytest.raises(NameTaken, match="A scenario named “Q3 Stricter” already exists"):
        store.save("  q3   stricter ", "", DIFF_B, "bob")
    with pytest.raises(NameTaken):
        store.save("Q3 STRICTER", "", DIFF_B, "bob")
    assert store.list() == [a]  # nothing lost, nothing half-written

    store.save("Straße", "", {}, None)
    with pytest.raises(NameTaken):  # case folding, not just lower(): ß is ss
        store.save("STRASSE", "", {}, None)


def test_overwrite_replaces_the_content_and_keeps_the_name(store):
    a = store.save("Q3 Stricter", "first", DIFF_A, "ann")
    b = store.save("q3 stricter", "second", DIFF_B, "bob", overwrite=True)
    assert (b.id, b.name, b.description, b.diff) == (a.id, "Q3 Stricter", "second", DIFF_B)
    assert [s.diff for s in store.list()] == [DIFF_B]


def test_overwrite_of_a_new_name_creates_it(store):
    s = store.save("fresh", "", DIFF_A, "ann", overwrite=True)
    assert store.list() == [s]


def test_rename_respects_other_names_but_allows_a_change_of_case(store):
    a = store.save("Alpha", "", {}, None)
    b = store.save("Beta", "", {}, None)
    with pytest.raises(NameTaken, match="“Alpha” already exists"):
        store.rename(b.id, " alpha ")
    assert store.rename(a.id, "ALPHA").name == "ALPHA"
    assert store.rename(a.id, "ALPHA") == store.get(a.id)  # the same name again changes nothing
    with pytest.raises(NameTaken):
        store.duplicate(a.id, "beta", None)
    with pytest.raises(NotFound):
        store.rename(12345, "Gamma")
    assert sorted(s.name for s in store.list()) == ["ALPHA", "Beta"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the scenario a name"),
        ("  \n\t ", "Give the scenario a name"),
        ("x" * 101, "at most 100 characters; this one has 101"),
        ("a\x00b", "control characters"),
        ("a\x1bb", "control characters"),
    ],
)
def test_bad_names_are_refused(store, name, message):
    with pytest.raises(InvalidScenario, match=message):
        store.save(name, "", {}, None)
    assert store.list() == []


def test_a_name_of_100_characters_is_fine(store):
    assert store.save("x" * 100, "", {}, None).name == "x" * 100


def test_long_description_or_author_is_refused(store):
    with pytest.raises(InvalidScenario, match="description has at most 2\u00a0000 characters"):
        store.save("a", "d" * 2001, {}, None)
    with pytest.raises(InvalidScenario, match="author has at most 200"):
        store.save("a", "", {}, "a" * 201)
    assert store.save("a", "d" * 2000, {}, "a" * 200).description == "d" * 2000


# -- the diff holds policy keys only --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("diff", "message"),
    [
        ({"accounts": [{"account_id": "A1", "nip": "5260250274", "revenue": 1}]}, "accounts: unknown key"),
        ({"categories": {"Automotive": {"company": 1, "seller": "ACME"}}}, "seller: unknown key"),
        ({"categories": {"ACME sp. z o.o.": {"company": 1}}}, "not a category of the published table"),
        ({"growth": {"min_yoy_growth": "lots"}}, "min_yoy_growth"),
        (["not", "a", "mapping"], "must be a mapping of policy keys"),
        ("categories: {}", "must be a mapping of policy keys"),
        ({"growth": {"min_yoy_growth": float("nan")}}, "not finite"),
        ({1: 2}, "key that is not text"),
        ({"criteria": {"min_quality_main": object()}}, "not plain data"),
        ({"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}}, "too deeply nested"),
    ],
)
def test_a_diff_that_is_not_a_policy_diff_is_refused(store, diff, message):
    with pytest.raises(InvalidScenario, match=message):
        store.save("junk", "", diff, None)
    assert store.list() == []


def test_a_diff_over_64_kb_is_refused(store):
    big = {"quality_scale": ["Neutral", "Good"] + [f"level {i:04d} " + "x" * 90 for i in range(700)]}
    assert len(json.dumps(big)) > MAX_DIFF_BYTES
    with pytest.raises(InvalidScenario, match="at most 64 KB"):  # refused before it is even parsed as a policy
        store.save("big", "", big, None)
    assert store.list() == []


def test_a_diff_of_every_parameter_round_trips_and_rebuilds_the_policy(store):
    # the largest real diff: every threshold of every category changed, and every other parameter
    policy = (
        Policy.default()
        .scaled(1.1)
        .overlay(
            {
                "quality_scale": ["Zły", "Słaby", "Neutral", "Good", "Super", "Super+", "Super++"],
                "criteria": {
                    "min_positive_ratings_pct": 98.5,
                    "min_quality_main": "Super",
                    "min_quality_other": "Good",
                },
                "growth": {"min_yoy_growth": 0.05, "min_growing_quarters": 4},
                "conditional": {"peer_percentile": 75},
                "flags": {
                    "max_transaction_problem_rate": 0.05,
                    "min_exportable_share": 0.3,
                    "min_new_condition_share": 0.4,
                },
            }
        )
    )
    diff = policy.diff()
    assert len(diff["categories"]) == len(CATEGORIES)
    saved = store.save("Everything", "", diff, "ann")
    assert len(json.dumps(saved.diff)) < MAX_DIFF_BYTES / 16
    assert store.get(saved.id).diff == diff
    assert Policy.default().overlay(store.get(saved.id).diff).diff() == diff


def test_the_table_has_no_room_for_anything_but_the_scenario():
    # a guard against a later change adding a column that could hold seller data
    assert set(scenario_store.scenarios_table.c.keys()) == {
        "id",
        "name",
        "name_key",
        "description",
        "author",
        "updated_by",
        "created_at",
        "updated_at",
        "diff",
    }


# -- two sessions at once -------------------------------------------------------------------------------


def test_two_sessions_saving_one_new_name_at_once_one_wins(open_store):
    stores = [open_store() for _ in range(6)]
    for s in stores:
        s.list()  # schema ready: the race is on the save alone
    calls = [
        (lambda s=s, i=i: s.save("Race", f"from {i}", {"growth": {"min_growing_quarters": i % 5}}, f"user{i}"))
        for i, s in enumerate(stores)
    ]
    results = run_at_once(calls)
    won = [r for r in results if isinstance(r, SavedScenario)]
    lost = [r for r in results if isinstance(r, NameTaken)]
    assert len(won) == 1 and len(lost) == 5, results
    assert all("“Race” already exists" in str(e) for e in lost)
    assert stores[0].list() == won  # the winner's scenario, whole


def test_sessions_saving_different_names_at_once_all_keep_theirs(open_store):
    stores = [open_store() for _ in range(6)]  # first use at once too: the schema is created by one of them
    calls = [
        (lambda s=s, i=i: s.save(f"Plan {i}", "", {"growth": {"min_growing_quarters": i % 5}}, None))
        for i, s in enumerate(stores)
    ]
    results = run_at_once(calls)
    assert all(isinstance(r, SavedScenario) for r in results), results
    saved = {s.name: s.diff for s in stores[0].list()}
    assert saved == {f"Plan {i}": {"growth": {"min_growing_quarters": i % 5}} for i in range(6)}


CHILD = r"""
import json, pathlib, sys, time, types
# a bare `core` package: its __init__ imports the engine (pandas), which the store does not need
core = types.ModuleType("core")
core.__path__ = [str(pathlib.Path.cwd() / "core")]
sys.modules["core"] = core
from core.scenario_store import NameTaken, ScenarioStore
url, who, ready, go = sys.argv[1:5]
store = ScenarioStore(url)
store.list()
pathlib.Path(ready).touch()
while not pathlib.Path(go).exists():
    time.sleep(0.001)
try:
    print(json.dumps({"won": store.save("Race", who, {"name": who}, who).id}))
except NameTaken as exc:
    print(json.dumps({"taken": str(exc)}))
"""


@pytest.mark.timeout(120)
def test_two_processes_saving_one_new_name_at_once_one_wins(db_url, open_store, tmp_path):
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children, ready = [], []
    for who in ("ann", "bob"):
        ready.append(tmp_path / f"ready-{who}")
        args = [sys.executable, "-c", CHILD, db_url, who, str(ready[-1]), str(go)]
        children.append(subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    deadline = time.monotonic() + 90
    while not all(r.exists() for r in ready):
        assert time.monotonic() < deadline and all(c.poll() is None for c in children), [
            c.stderr.read().decode() for c in children if c.poll() is not None
        ]
        time.sleep(0.02)
    go.touch()
    outcomes = []
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err.decode()
        outcomes.append(json.loads(out))
    assert sorted(next(iter(o)) for o in outcomes) == ["taken", "won"], outcomes
    (saved,) = open_store().list()
    winner = next(o for o in outcomes if "won" in o)
    assert saved.id == winner["won"] and saved.diff == {"name": saved.author}


def test_two_sessions_updating_one_scenario_at_once_one_gets_a_conflict(open_store):
    ann, bob = open_store(), open_store()
    original = ann.save("Shared", "v1", DIFF_A, "carol")
    opened_by_ann, opened_by_bob = ann.get(original.id), bob.get(original.id)
    results = run_at_once(
        [
            lambda: ann.save(
                "Shared", "ann's", DIFF_B, "ann", overwrite=True, expected_updated_at=opened_by_ann.updated_at
            ),
            lambda: bob.save(
                "Shared", "bob's", {}, "bob", overwrite=True, expected_updated_at=opened_by_bob.updated_at
            ),
        ]
    )
    won = [r for r in results if isinstance(r, SavedScenario)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 1 and len(conflicts) == 1, results
    assert f"changed by {won[0].updated_by}" in str(conflicts[0]) and "Nothing was overwritten" in str(conflicts[0])
    assert ann.get(original.id) == won[0]
    # the loser still has their version and keeps it under another name: nothing is lost
    loser, diff = ("bob", {}) if won[0].updated_by == "ann" else ("ann", DIFF_B)
    kept = ann.save("Shared (mine)", f"{loser}'s", diff, loser)
    assert {s.name for s in ann.list()} == {"Shared", "Shared (mine)"} and ann.get(kept.id).diff == diff


def test_a_stale_version_cannot_overwrite_rename_or_delete(open_store):
    ann, bob = open_store(), open_store()
    opened = ann.save("Plan", "v1", DIFF_A, "ann")
    newer = bob.save("Plan", "bob's", DIFF_B, "bob", overwrite=True, expected_updated_at=opened.updated_at)

    with pytest.raises(Conflict, match=r"“Plan” was changed by bob at .* UTC after you opened it"):
        ann.save("Plan", "ann's", {}, "ann", overwrite=True, expected_updated_at=opened.updated_at)
    with pytest.raises(Conflict, match="it was not renamed"):
        ann.rename(opened.id, "Plan B", author="ann", expected_updated_at=opened.updated_at)
    with pytest.raises(Conflict, match="it was not deleted"):
        ann.delete(opened.id, expected_updated_at=opened.updated_at)
    assert ann.list() == [newer]

    ann.delete(opened.id, expected_updated_at=newer.updated_at)  # the current version: allowed
    assert ann.list() == []


def test_overwriting_a_scenario_someone_deleted_saves_it_again(open_store):
    ann, bob = open_store(), open_store()
    opened = ann.save("Plan", "v1", DIFF_A, "ann")
    bob.delete(opened.id)
    again = ann.save("Plan", "v2", DIFF_B, "ann", overwrite=True, expected_updated_at=opened.updated_at)
    assert ann.list() == [again] and again.diff == DIFF_B


def test_an_overwrite_without_a_token_is_last_writer_wins(open_store):
    ann, bob = open_store(), open_store()
    ann.save("Plan", "v1", DIFF_A, "ann")
    bob.save("Plan", "v2", DIFF_B, "bob", overwrite=True)
    assert ann.save("Plan", "v3", {}, "ann", overwrite=True).diff == {}


def test_a_naive_token_is_a_programming_error(store):
    s = store.save("Plan", "", {}, None)
    with pytest.raises(TypeError):
        store.save("Plan", "", {}, None, overwrite=True, expected_updated_at=s.updated_at.replace(tzinfo=None))


# -- a database that is down, read-only, locked or full ----------------------------------------------------


def test_a_read_only_sqlite_database_still_lists_but_refuses_changes(tmp_path):
    path = tmp_path / "scenarios.sqlite"
    writable = ScenarioStore(store_url({ENV_VAR: str(path)}))
    kept = writable.save("Kept", "", DIFF_A, "ann")
    writable.dispose()

    read_only = ScenarioStore(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        assert read_only.list() == [kept]
        with pytest.raises(StoreUnavailable) as caught:
            read_only.save("New", "", DIFF_B, "bob")
        message = str(caught.value)
        assert message == (
            "Could not save “New”: the library's database is read-only here and accepts no changes. "
            "Nothing was changed in the library."
        )
        assert_user_message(message, str(tmp_path))
        with pytest.raises(StoreUnavailable, match="read-only"):
            read_only.rename(kept.id, "Renamed")
        with pytest.raises(StoreUnavailable, match="read-only"):
            read_only.delete(kept.id)
        assert read_only.list() == [kept]
    finally:
        read_only.dispose()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes read-only files anyway")
def test_a_read_only_sqlite_file_refuses_changes(tmp_path):
    path = tmp_path / "scenarios.sqlite"
    writable = ScenarioStore(store_url({ENV_VAR: str(path)}))
    writable.save("Kept", "", DIFF_A, "ann")
    writable.dispose()
    path.chmod(0o444)
    read_only = ScenarioStore(store_url({ENV_VAR: str(path)}))
    try:
        assert [s.name for s in read_only.list()] == ["Kept"]
        with pytest.raises(StoreUnavailable, match="read-only"):
            read_only.save("New", "", {}, None)
    finally:
        read_only.dispose()
        path.chmod(0o644)


def test_postgresql_statements_and_lock_waits_are_bounded(postgres_url):
    """A statement that runs away, or a wait on another connection's lock, is ended by the server (and reported as
    a busy library), not left to hold a request: the store's connections carry both timeouts."""
    store = ScenarioStore(postgres_url)
    try:
        with store.engine.connect() as conn:
            shown = {
                name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in ("statement_timeout", "lock_timeout")
            }
        assert shown == {"statement_timeout": "15s", "lock_timeout": "5s"}
    finally:
        store.dispose()
    own = ScenarioStore(postgres_url + ("&" if "?" in postgres_url else "?") + "options=-c%20statement_timeout%3D1s")
    try:
        with own.engine.connect() as conn:  # a URL's own options win
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "1s"
    finally:
        own.dispose()


def test_a_read_only_postgresql_database_still_lists_but_refuses_changes(postgres_url):
    writable = ScenarioStore(postgres_url)
    kept = writable.save("Kept", "", DIFF_A, "ann")
    engine = sa.create_engine(postgres_url, connect_args={"options": "-c default_transaction_read_only=on"})
    read_only = ScenarioStore(engine)
    try:
        assert read_only.list() == [kept]
        with pytest.raises(StoreUnavailable, match="read-only here and accepts no changes") as caught:
            read_only.save("New", "", DIFF_B, "bob")
        assert_user_message(str(caught.value))
        with pytest.raises(StoreUnavailable, match="read-only"):
            read_only.delete(kept.id)
        assert writable.list() == [kept]
    finally:
        read_only.dispose()
        writable.dispose()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_server_that_is_down_fails_fast_with_a_clear_message():
    port = closed_port()
    store = ScenarioStore(f"postgresql://dpe_user:s3cret-pw@127.0.0.1:{port}/team_db")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        store.save("Plan", "", DIFF_A, "ann")
    assert time.monotonic() - started < 3
    assert str(caught.value) == (
        "Could not save “Plan”: the library's database server cannot be reached; try again later. "
        "Nothing was changed in the library."
    )
    assert_user_message(str(caught.value), "s3cret", "dpe_user", "127.0.0.1", str(port), "team_db")
    with pytest.raises(StoreUnavailable, match="cannot be reached"):
        store.list()


@pytest.mark.timeout(30)
def test_a_server_that_never_answers_times_out(monkeypatch):
    # a listener that accepts the connection and says nothing: only connect_timeout ends the wait
    monkeypatch.setattr(scenario_store, "CONNECT_TIMEOUT_S", 2)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        store = ScenarioStore(f"postgresql://u@127.0.0.1:{port}/db")
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="cannot be reached"):
            store.list()
        assert time.monotonic() - started < 10


def test_a_locked_sqlite_database_makes_a_writer_wait_then_report_busy(tmp_path):
    path = tmp_path / "scenarios.sqlite"
    url = store_url({ENV_VAR: str(path)})
    patient, impatient = ScenarioStore(url), ScenarioStore(url, busy_timeout=0.3)
    try:
        patient.save("First", "", {}, None)
        impatient.list()
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a write
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as caught:
            impatient.save("Second", "", {}, None)
        assert 0.25 < time.monotonic() - started < 5
        assert str(caught.value) == (
            "Could not save “Second”: the library is busy with another change; try again in a moment. "
            "Nothing was changed in the library."
        )
        assert [s.name for s in impatient.list()] == ["First"]  # WAL: reading goes on during the write

        # a writer with the default busy timeout waits for the lock instead of failing
        threading.Timer(0.5, lambda: holder.execute("COMMIT")).start()
        started = time.monotonic()
        patient.save("Second", "", {}, None)
        assert time.monotonic() - started >= 0.4
        assert [s.name for s in patient.list()] == ["First", "Second"]
        holder.close()
    finally:
        patient.dispose()
        impatient.dispose()


def test_a_full_disk_is_reported_and_nothing_is_half_written(tmp_path):
    path = tmp_path / "scenarios.sqlite"
    first = ScenarioStore(store_url({ENV_VAR: str(path)}))
    kept = first.save("Kept", "", DIFF_A, None)
    first.dispose()
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]

    engine = sa.create_engine(f"sqlite:///{path}")
    sa.event.listen(engine, "connect", lambda conn, _: conn.execute(f"PRAGMA max_page_count = {pages}"))
    full = ScenarioStore(engine)
    try:
        big = Policy.default().scaled(1.1).diff()  # a row that needs pages of its own
        with pytest.raises(StoreUnavailable, match="disk of the library's database is full. Nothing was changed"):
            full.save("Big", "ż" * 2000, big, None)
        assert full.list() == [kept]
    finally:
        full.dispose()


def test_a_sqlite_file_that_cannot_be_created_is_reported(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    store = ScenarioStore(store_url({ENV_VAR: str(blocker / "scenarios.sqlite")}))
    with pytest.raises(StoreUnavailable, match="database file cannot be opened or created") as caught:
        store.list()
    assert_user_message(str(caught.value), str(tmp_path))


@pytest.mark.parametrize("url", ["not a database address", "mysql://dpe:s3cret@localhost/db", "nosuch://x/y"])
def test_an_unusable_database_setting_is_reported_on_first_use(url):
    store = ScenarioStore(url)  # building never fails: the page can still render and show the message
    with pytest.raises(StoreUnavailable, match="setting is not a usable address") as caught:
        store.list()
    assert_user_message(str(caught.value), "s3cret")


# -- schema -------------------------------------------------------------------------------------------


def test_the_sqlite_file_and_its_folder_are_created_on_first_use(tmp_path):
    path = tmp_path / "new" / "folder" / "scenarios.sqlite"
    store = ScenarioStore(store_url({ENV_VAR: str(path)}))
    assert not path.parent.exists()  # building the store touches nothing
    try:
        assert store.list() == []
        assert path.is_file()
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT version FROM dpe_schema WHERE component = 'scenarios'").fetchone() == (1,)
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        store.dispose()


def test_a_library_from_a_newer_version_is_refused(open_store, db_url):
    open_store().list()
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE dpe_schema SET version = 99"))
    engine.dispose()
    with pytest.raises(StoreError, match="written by a newer version of this app"):
        open_store().list()


def test_a_damaged_row_is_left_out_of_the_list_and_cannot_be_opened(open_store, db_url):
    store = open_store()
    good = store.save("Good", "", DIFF_A, None)
    bad = store.save("Bad", "", DIFF_B, None)
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE dpe_scenarios SET diff = '{not json' WHERE id = :id"), {"id": bad.id})
    engine.dispose()
    assert store.list() == [good]
    with pytest.raises(StoreError, match="“Bad” is damaged"):
        store.get(bad.id)
    with pytest.raises(StoreError, match="“Bad” is damaged"):
        store.rename(bad.id, "Renamed")
    repaired = store.save("Bad", "", DIFF_A, None, overwrite=True)  # overwriting it repairs it
    assert store.get(bad.id) == repaired and repaired.diff == DIFF_A


# -- where the library lives ----------------------------------------------------------------------------


class NoSecretsFile(dict):
    """Behaves as st.secrets without a secrets.toml: any access raises (a FileNotFoundError subclass)."""

    def __getitem__(self, key):
        raise FileNotFoundError("No secrets found")

    def get(self, key, default=None):
        return self[key]


def test_store_url_precedence(tmp_path, monkeypatch):
    secrets = {"connections": {"scenarios": {"url": "postgresql://team:pw@db.internal/dpe"}}}
    # 1. the environment variable wins, as a URL or a path
    assert store_url({ENV_VAR: "sqlite:////srv/x.sqlite"}, secrets) == "sqlite:////srv/x.sqlite"
    monkeypatch.chdir(tmp_path)
    assert store_url({ENV_VAR: "lib/s.sqlite"}, secrets) == f"sqlite:///{tmp_path}/lib/s.sqlite"
    assert store_url({ENV_VAR: "~/s.sqlite"}) == f"sqlite:///{Path.home()}/s.sqlite"
    # 2. then secrets.toml, as a url or as st.connection's separate fields
    assert store_url({ENV_VAR: "  "}, secrets) == "postgresql+psycopg://team:pw@db.internal/dpe"
    fields = {"dialect": "postgresql", "host": "db", "port": 5433, "username": "u", "password": "p@ss", "database": "d"}
    assert store_url({}, {"connections": {"scenarios": fields}}) == "postgresql+psycopg://u:p%40ss@db:5433/d"
    assert store_url({}, {"connections": {"other": {"url": "sqlite://"}}}) == f"sqlite:///{DEFAULT_PATH}"
    with pytest.raises(StoreUnavailable, match=r"\[connections.scenarios\] .* has neither a url nor a dialect"):
        store_url({}, {"connections": {"scenarios": {"host": "db"}}})
    with pytest.raises(StoreUnavailable, match=r"\[connections.scenarios\] .* has a bad field"):
        store_url({}, {"connections": {"scenarios": {"dialect": "postgresql", "port": "fifty"}}})
    # 3. else the project's own file, also when Streamlit has no secrets file at all
    assert store_url({}, NoSecretsFile()) == store_url() == f"sqlite:///{DEFAULT_PATH}"
    assert DEFAULT_PATH == ROOT / "data" / "scenarios.sqlite"
    # the Heroku-style scheme and a driverless URL get the installed driver
    assert store_url({ENV_VAR: "postgres://u@h/d"}) == "postgresql+psycopg://u@h/d"
    assert store_url({ENV_VAR: "postgresql+psycopg2://u@h/d"}) == "postgresql+psycopg2://u@h/d"


def test_from_settings_never_raises_and_reports_a_bad_setting_on_first_use(tmp_path):
    store = ScenarioStore.from_settings({}, {"connections": {"scenarios": {"host": "db", "password": "s3cret"}}})
    assert store.location == "an unusable database setting"
    with pytest.raises(StoreUnavailable, match="neither a url nor a dialect") as caught:
        store.list()
    assert_user_message(str(caught.value), "s3cret")
    good = ScenarioStore.from_settings({ENV_VAR: str(tmp_path / "s.sqlite")}, NoSecretsFile())
    assert good.list() == [] and good.location == f"SQLite file {tmp_path}/s.sqlite"
    good.dispose()


def test_the_default_sqlite_file_is_gitignored():
    files = [
        "data/scenarios.sqlite",
        "data/scenarios.sqlite-wal",
        "data/scenarios.sqlite-shm",
        ".streamlit/secrets.toml",
    ]
    try:
        out = subprocess.run(["git", "check-ignore", "--no-index", *files], cwd=ROOT, capture_output=True, text=True)
    except FileNotFoundError:
        pytest.skip("git is not installed")
    if out.returncode == 128:
        pytest.skip(f"not a git checkout: {out.stderr.strip()}")
    assert out.stdout.split() == files
    assert DEFAULT_PATH.relative_to(ROOT).as_posix() == files[0]  # and the secrets that may hold a password


def test_location_names_no_host_user_or_password(tmp_path):
    assert ScenarioStore(f"sqlite:///{tmp_path}/s.sqlite").location == f"SQLite file {tmp_path}/s.sqlite"
    shown = ScenarioStore("postgresql+psycopg://team:pw@db.internal:5433/dpe").location
    assert shown == "PostgreSQL database “dpe”"


def test_the_store_module_does_not_import_streamlit():
    tree = ast.parse(Path(scenario_store.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "sqlalchemy" in imported and not any(name.split(".")[0] == "streamlit" for name in imported)
