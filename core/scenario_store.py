"""The scenario library: named scenarios the team saves, opens, renames, duplicates and deletes.

A saved scenario is a policy diff — only the policy keys that differ from the published policy, in the
policy-file format of rules.md §6 — with a name, a description, its author and its created/updated times.
It never holds seller data: the diff must be a valid policy overlay of at most 64 KB (``Policy.from_dict``
accepts nothing but policy keys), and nothing else is stored.

The store is any SQL database SQLAlchemy reaches: an embedded SQLite file by default (created on first use,
so ``make run`` needs no setup) or a shared server such as PostgreSQL. ``store_url`` says which, from an
environment variable, Streamlit's secrets or the default; see its docstring for the precedence.

Concurrency is left to the database, never to a check-then-write in Python:
- names are unique through a unique index on a normalised key (trimmed, case-folded), so two sessions
  saving one new name at once get one success and one ``NameTaken``;
- every change of an existing scenario is a conditional UPDATE/DELETE on the ``updated_at`` the caller
  last saw (optimistic concurrency), so a change made by someone else in between raises ``Conflict`` and
  overwrites nothing. ``updated_at`` strictly increases on every change of a row, so it is a safe token.

Every failure is a ``StoreError`` whose text is meant for the user: it names the scenario and what
happened, never a URL, password, file system detail or SQL (the detail goes to ``logging``).
Measured on the 2-core machine under load: a save takes about 10 ms and listing 200 scenarios 10-20 ms,
on SQLite and on PostgreSQL alike (the diff's validation as a policy is part of each save).
This module does not import streamlit; the UI builds one store per process with
``ScenarioStore.from_settings(os.environ, st.secrets)`` inside ``st.cache_resource``.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Engine, make_url

from .formatting import count, number
from .policy import Policy, PolicyError

log = logging.getLogger(__name__)

ENV_VAR = "DPE_SCENARIO_DB"  # a path to a SQLite file, or an SQLAlchemy URL
SECRETS_CONNECTION = "scenarios"  # [connections.scenarios] in .streamlit/secrets.toml
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "scenarios.sqlite"  # gitignored

SCHEMA_VERSION = 1
MAX_NAME_CHARS = 100
MAX_DESCRIPTION_CHARS = 2000
MAX_AUTHOR_CHARS = 200
MAX_DIFF_BYTES = 64 * 1024
_MAX_DIFF_DEPTH = 6  # a policy file is 3 levels deep (categories → name → threshold)
_MAX_DIFF_NODES = 5000

SQLITE_BUSY_TIMEOUT_S = 10.0  # a second writer waits this long for the first instead of failing
CONNECT_TIMEOUT_S = 5  # a server that does not answer fails the call after this, not after minutes
# On PostgreSQL a statement that runs away, or waits on another connection's lock, must not hold a page's request
# (and a connection of the pool) for ever: the server ends it after these, and the user reads that the library
# is busy (SQLSTATE 57014 and 55P03 are in _PG_BUSY). Ours take milliseconds; a URL's own `options` win.
STATEMENT_TIMEOUT_MS = 15_000
LOCK_TIMEOUT_MS = 5_000
_TICK = timedelta(microseconds=1)


# -- errors -----------------------------------------------------------------------------------------


class StoreError(Exception):
    """A scenario-library failure; ``str(exc)`` is a complete sentence for the user."""


class InvalidScenario(StoreError, ValueError):
    """The name, description or diff cannot be saved (empty or long name, not a policy diff, too large)."""


class NameTaken(StoreError):
    """Another scenario already has this name (names are compared trimmed and case-insensitively)."""


class NotFound(StoreError):
    """The scenario is not in the library (someone may have deleted it)."""


class Conflict(StoreError):
    """Someone else changed or deleted the scenario since it was opened; nothing was overwritten."""


class StoreUnavailable(StoreError):
    """The database cannot be used now: unreachable, read-only, locked, full, misconfigured."""


# -- schema -----------------------------------------------------------------------------------------


class _UtcDateTime(sa.types.TypeDecorator):
    """Aware UTC datetimes on every backend: stored as naive UTC (SQLite has no time zones), read back
    with tzinfo=UTC, so a value read from one backend compares equal to what was written."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise TypeError("scenario times must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


metadata = sa.MetaData()

# Prefixed names: a team's PostgreSQL database may hold other applications' tables.
scenarios_table = sa.Table(
    "dpe_scenarios",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(MAX_NAME_CHARS), nullable=False),
    # trimmed, NFKC, case-folded name; folding can lengthen a string ("ß" → "ss"), hence the room
    sa.Column("name_key", sa.String(4 * MAX_NAME_CHARS), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("author", sa.String(MAX_AUTHOR_CHARS)),
    sa.Column("updated_by", sa.String(MAX_AUTHOR_CHARS)),
    sa.Column("created_at", _UtcDateTime, nullable=False),
    sa.Column("updated_at", _UtcDateTime, nullable=False),
    sa.Column("diff", sa.Text, nullable=False),  # JSON text of the policy diff
    sa.Index("ux_dpe_scenarios_name_key", "name_key", unique=True),
    sqlite_autoincrement=True,  # never reuse the id of a deleted scenario: another session may still hold it
)

schema_table = sa.Table(
    "dpe_schema",
    metadata,
    sa.Column("component", sa.String(50), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)


@dataclass(frozen=True)
class SavedScenario:
    """One scenario of the library. ``updated_at`` is the token to pass back as ``expected_updated_at``."""

    id: int
    name: str
    description: str
    author: str | None
    created_at: datetime
    updated_at: datetime
    updated_by: str | None
    diff: dict[str, Any] = field(repr=False)


# -- where the library lives ------------------------------------------------------------------------


def store_url(env: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None) -> str:
    """The SQLAlchemy URL of the scenario library. The first of these that is set wins:

    1. the environment variable ``DPE_SCENARIO_DB``: an SQLAlchemy URL (it contains ``://``), or else a path
       to a SQLite file (``~`` expanded, relative to the working folder);
    2. ``[connections.scenarios]`` in ``.streamlit/secrets.toml`` (pass ``st.secrets``): its ``url``, or the
       fields ``st.connection`` also takes (``dialect``, ``driver``, ``username``, ``password``, ``host``,
       ``port``, ``database``, ``query``);
    3. the SQLite file ``data/scenarios.sqlite`` in the project folder (gitignored).

    The environment comes first so that a deployment or a test can point one run elsewhere without editing
    a file. A plain ``postgresql://`` or ``postgres://`` URL is given the psycopg (3) driver, the one installed.
    """
    raw = (env or {}).get(ENV_VAR, "").strip()
    if raw:
        return _normalise(raw) if "://" in raw else _sqlite_url(Path(raw).expanduser().absolute())
    section = _secrets_section(secrets)
    if section is not None:
        if section.get("url"):
            return _normalise(str(section["url"]))
        where = f"[connections.{SECRETS_CONNECTION}] in .streamlit/secrets.toml"
        if not section.get("dialect"):
            raise StoreUnavailable(
                f"The scenario library is not set up correctly: {where} has neither a url nor a dialect."
            )
        try:
            driver = f"+{section['driver']}" if section.get("driver") else ""
            url = URL.create(
                drivername=f"{section['dialect']}{driver}",
                username=section.get("username"),
                password=section.get("password"),
                host=section.get("host"),
                port=int(section["port"]) if section.get("port") else None,
                database=section.get("database"),
                query=dict(section.get("query") or {}),
            )
        except (TypeError, ValueError, sa_exc.ArgumentError):
            raise StoreUnavailable(f"The scenario library is not set up correctly: {where} has a bad field.") from None
        return _normalise(url.render_as_string(hide_password=False))
    return _sqlite_url(DEFAULT_PATH)


def _secrets_section(secrets: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    if secrets is None:
        return None
    try:
        connections = secrets.get("connections")
        section = connections.get(SECRETS_CONNECTION) if isinstance(connections, Mapping) else None
    except FileNotFoundError:  # st.secrets raises it (StreamlitSecretNotFoundError) when there is no secrets.toml
        return None
    return section if isinstance(section, Mapping) else None


def _sqlite_url(path: Path) -> str:
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)


def _normalise(url: str) -> str:
    """Give a driverless PostgreSQL URL the installed driver (SQLAlchemy 2.0 would pick psycopg2)."""
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError:
        return url  # reported, without the URL, when the store first connects
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


# -- validation -------------------------------------------------------------------------------------


def _has_control(text: str, allowed: str = "") -> bool:
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def clean_name(name: str) -> tuple[str, str]:
    """(name as stored, uniqueness key): whitespace trimmed and collapsed; the key is NFKC and case-folded."""
    text = " ".join(unicodedata.normalize("NFC", str(name)).split())
    if not text:
        raise InvalidScenario("Give the scenario a name.")
    if len(text) > MAX_NAME_CHARS:
        raise InvalidScenario(f"A scenario name has at most {MAX_NAME_CHARS} characters; this one has {len(text)}.")
    if _has_control(text):
        raise InvalidScenario("A scenario name cannot contain control characters.")
    return text, unicodedata.normalize("NFKC", text).casefold()


def _clean_text(value: str | None, limit: int, what: str) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if len(text) > limit:
        raise InvalidScenario(f"The {what} has at most {count(limit)} characters; this one has {count(len(text))}.")
    if _has_control(text, allowed="\n\t"):
        raise InvalidScenario(f"The {what} cannot contain control characters.")
    return text


def _clean_author(author: str | None) -> str | None:
    text = _clean_text(author, MAX_AUTHOR_CHARS, "author")
    return " ".join(text.split()) or None


def diff_to_json(diff: Mapping[str, Any]) -> str:
    """The diff as compact JSON text, after checking it is a policy diff of bounded size.

    Only plain JSON values (mappings with text keys, lists, text, finite numbers, booleans, null) are
    accepted, at most 64 KB, and the result must be a valid policy file (rules.md §6): so an unknown key —
    a seller table, an account id, anything that is not a policy key — is refused, naming the key.
    """
    if not isinstance(diff, Mapping):
        raise InvalidScenario("A scenario's changes must be a mapping of policy keys.")
    _check_plain(diff)
    text = json.dumps(diff, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    size = len(text.encode("utf-8"))
    if size > MAX_DIFF_BYTES:
        raise InvalidScenario(
            f"This scenario's changes take {number(size / 1024)} KB; the library keeps at most "
            f"{MAX_DIFF_BYTES // 1024} KB of policy changes per scenario."
        )
    try:
        Policy.from_dict(json.loads(text))
    except PolicyError as exc:
        shown = "; ".join(exc.problems[:5]) + ("; …" if len(exc.problems) > 5 else "")
        raise InvalidScenario(f"These changes are not a valid policy, so they were not saved: {shown}.") from None
    return text


def _check_plain(value: Any) -> None:
    nodes = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > _MAX_DIFF_NODES or depth > _MAX_DIFF_DEPTH:
            raise InvalidScenario("A scenario's changes are too large or too deeply nested to be a policy diff.")
        if isinstance(item, Mapping):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise InvalidScenario(f"A scenario's changes have a key that is not text: {key!r:.40}.")
                stack.append((child, depth + 1))
        elif isinstance(item, (list, tuple)):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidScenario("A scenario's changes hold a number that is not finite.")
        elif item is not None and not isinstance(item, (str, int, float, bool)):
            raise InvalidScenario(f"A scenario's changes hold a value of type {type(item).__name__}, not plain data.")


# -- database errors → user messages --------------------------------------------------------------------

_READ_ONLY = "the library's database is read-only here and accepts no changes"
_BUSY = "the library is busy with another change; try again in a moment"
_FULL = "the disk of the library's database is full"
_CANT_OPEN = "the library's database file cannot be opened or created (check its folder and permissions)"
_UNREACHABLE = "the library's database server cannot be reached; try again later"
_DENIED = "the library's database does not allow this app to make that change"
_FAILED = "the library's database reported an error"


_PG_BUSY = ("55P03", "40001", "40P01", "57014")  # lock not available, serialization, deadlock, statement timeout


def _reason(error: sa_exc.DBAPIError) -> str:
    """One of the messages above, from the driver's error code (SQLite's name, PostgreSQL's SQLSTATE)."""
    orig = error.orig
    name = getattr(orig, "sqlite_errorname", "") or ""
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or ""
    text = str(orig).lower()
    if name.startswith("SQLITE_READONLY") or state == "25006" or "readonly database" in text:
        return _READ_ONLY
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or state in _PG_BUSY or "database is locked" in text:
        return _BUSY
    if name == "SQLITE_FULL" or state in ("53100", "53200") or "disk is full" in text:
        return _FULL
    if name in ("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_NOTADB") or "unable to open database" in text:
        return _CANT_OPEN
    if state == "42501":
        return _DENIED
    if (
        error.connection_invalidated
        or state.startswith("08")
        or state in ("57P01", "57P02", "57P03")
        or isinstance(error, sa_exc.InterfaceError)
        or (isinstance(error, sa_exc.OperationalError) and not state and not name)
    ):
        return _UNREACHABLE
    return _FAILED


@contextmanager
def _translated(action: str, changes: bool) -> Iterator[None]:
    """Turn any database failure into a StoreUnavailable whose text is ``action: reason.`` and nothing more."""
    outcome = " Nothing was changed in the library." if changes else ""
    try:
        yield
    except StoreError:
        raise
    except sa_exc.DBAPIError as exc:
        reason = _reason(exc)
        # one line at warning level (the driver's message: no password, no SQL); the traceback at debug
        log.warning("%s: %s (%s: %s)", action, reason, type(exc.orig).__name__, exc.orig)
        log.debug("%s", action, exc_info=True)
        raise StoreUnavailable(f"{action}: {reason}.{outcome}") from exc
    except sa_exc.TimeoutError as exc:  # every pooled connection in use
        log.warning("%s: connection pool exhausted", action, exc_info=True)
        raise StoreUnavailable(f"{action}: {_BUSY}.{outcome}") from exc
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ModuleNotFoundError) as exc:
        log.warning("%s: bad database setting", action, exc_info=True)
        raise StoreUnavailable(
            f"{action}: the library's database setting is not a usable address (check {ENV_VAR} or "
            f"[connections.{SECRETS_CONNECTION}] in .streamlit/secrets.toml).{outcome}"
        ) from exc
    except sa_exc.SQLAlchemyError as exc:
        log.warning("%s: database error", action, exc_info=True)
        raise StoreUnavailable(f"{action}: {_FAILED}.{outcome}") from exc
    except OSError as exc:  # the SQLite file's folder cannot be created
        log.warning("%s: %s", action, _CANT_OPEN, exc_info=True)
        raise StoreUnavailable(f"{action}: {_CANT_OPEN}.{outcome}") from exc


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    """WAL lets readers go on while one session writes; a read-only database keeps its journal mode."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError as exc:
        log.debug("scenario library: journal mode left as it is (%s)", exc)
    finally:
        cursor.close()


def _make_engine(url: str, busy_timeout: float) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        uri = parsed.query.get("uri") in ("true", "1") or database.startswith("file:")
        if database and database != ":memory:" and not uri:
            Path(database).parent.mkdir(parents=True, exist_ok=True)  # created on first use
        return sa.create_engine(parsed, connect_args={"timeout": busy_timeout})
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
        if "options" not in parsed.query:
            connect_args["options"] = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}"
    return sa.create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


_VERSION_QUERY = sa.select(schema_table.c.version).where(schema_table.c.component == "scenarios")
_PG_SCHEMA_LOCK = 0x44504553  # an advisory-lock key ("DPES") that only this module takes


def _create_schema(engine: Engine) -> None:
    """Create whatever is missing, one process at a time, so that first uses at the same moment don't collide
    (two CREATE TABLEs of one table: the second fails). A complete schema is only read, as a read-only
    database allows."""
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        if all(inspector.has_table(table.name) for table in metadata.sorted_tables):
            return
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first; other creators wait (busy timeout)
        elif conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SCHEMA_LOCK})
        metadata.create_all(conn)  # checks again under the lock
        if conn.execute(_VERSION_QUERY).scalar() is None:
            conn.execute(sa.insert(schema_table).values(component="scenarios", version=SCHEMA_VERSION))


def _location(engine_url: URL) -> str:
    backend = engine_url.get_backend_name()
    if backend == "sqlite":
        database = engine_url.database or ":memory:"
        return f"SQLite file {database.removeprefix('file:').split('?')[0]}"
    name = {"postgresql": "PostgreSQL"}.get(backend, backend)
    return f"{name} database “{engine_url.database or ''}”"


# -- the store --------------------------------------------------------------------------------------


class ScenarioStore:
    """The scenario library in one SQL database. Thread-safe; cheap to build (nothing connects until the
    first call), so build one per process and share it (``st.cache_resource``).

    ``url_or_engine`` is an SQLAlchemy URL (see ``store_url``) or an Engine (e.g. ``st.connection(...).engine``).
    Times are aware UTC datetimes; ``clock`` is for tests.
    """

    def __init__(
        self,
        url_or_engine: str | URL | Engine,
        *,
        busy_timeout: float = SQLITE_BUSY_TIMEOUT_S,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._url: str | None = None
        self._engine: Engine | None = None
        if isinstance(url_or_engine, Engine):
            self._engine = url_or_engine
            self._prepare_engine(url_or_engine)
        else:
            url = url_or_engine
            self._url = url.render_as_string(hide_password=False) if isinstance(url, URL) else str(url)
        self._busy_timeout = busy_timeout
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._ready = False
        self._setting_error: StoreUnavailable | None = None

    @classmethod
    def from_settings(cls, env: Mapping[str, str], secrets: Mapping[str, Any] | None = None) -> ScenarioStore:
        """The store ``store_url(env, secrets)`` names. Never raises: a setting that cannot be used is reported
        as StoreUnavailable by the first call, so a page that builds the store still renders."""
        try:
            return cls(store_url(env, secrets))
        except StoreUnavailable as exc:
            store = cls("")
            store._setting_error = exc
            return store

    # -- plumbing ---------------------------------------------------------------------------------

    @staticmethod
    def _prepare_engine(engine: Engine) -> None:
        if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _on_sqlite_connect):
            event.listen(engine, "connect", _on_sqlite_connect)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, made on first use (a bad URL raises StoreUnavailable at the first call)."""
        if self._setting_error is not None:
            raise self._setting_error
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = _make_engine(self._url or "", self._busy_timeout)
                    self._prepare_engine(engine)
                    self._engine = engine
        return self._engine

    @property
    def location(self) -> str:
        """Where the library lives, fit to show a user: a SQLite path or a database name, never a host,
        user or password."""
        try:
            return _location(self._engine.url if self._engine is not None else make_url(self._url or ""))
        except sa_exc.ArgumentError:
            return "an unusable database setting"

    def dispose(self) -> None:
        """Close pooled connections (tests, shutdown)."""
        if self._engine is not None:
            self._engine.dispose()

    def _ensure_schema(self, action: str, changes: bool) -> None:
        """Create the tables on first use and check the schema version, so a later version can migrate."""
        if self._ready:
            return
        with _translated(action, changes):
            engine = self.engine
            with self._lock:
                if self._ready:
                    return
                _create_schema(engine)
                with engine.connect() as conn:
                    version = conn.execute(_VERSION_QUERY).scalar()
                if version is None:  # tables made by hand or by a crashed first run
                    raise StoreUnavailable(f"{action}: the library's database has no schema version; ask its owner.")
                elif version > SCHEMA_VERSION:
                    raise StoreUnavailable(
                        f"{action}: the scenario library was written by a newer version of this app "
                        f"(schema {version}; this version knows {SCHEMA_VERSION}). Update the app."
                    )
                self._ready = True

    @contextmanager
    def _db(self, action: str, changes: bool) -> Iterator[None]:
        self._ensure_schema(action, changes)
        with _translated(action, changes):
            yield

    def _now_after(self, previous: datetime | None) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise TypeError("clock must return aware datetimes")
        now = now.astimezone(UTC)
        # strictly later than the row's last change, so updated_at always identifies one version
        return now if previous is None or now > previous else previous + _TICK

    def _row(self, where: Any) -> sa.Row | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(scenarios_table).where(where)).first()

    @staticmethod
    def _scenario(row: sa.Row) -> SavedScenario:
        diff = json.loads(row.diff)
        if not isinstance(diff, dict):
            raise ValueError("diff is not a JSON object")
        return SavedScenario(
            id=row.id,
            name=row.name,
            description=row.description,
            author=row.author,
            created_at=row.created_at,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
            diff=diff,
        )

    def _opened(self, row: sa.Row | None, missing: str) -> SavedScenario:
        if row is None:
            raise NotFound(missing)
        try:
            return self._scenario(row)
        except ValueError:
            log.warning("scenario %s has a damaged diff in the database", row.id, exc_info=True)
            raise StoreError(f"The scenario “{row.name}” is damaged in the database and cannot be opened.") from None

    @staticmethod
    def _check_token(expected: datetime | None) -> None:
        if expected is not None and expected.tzinfo is None:
            raise TypeError("expected_updated_at must be the aware datetime a SavedScenario carries")

    @staticmethod
    def _changed_since(row: sa.Row, what: str) -> Conflict:
        who = row.updated_by or row.author or "someone else"
        return Conflict(
            f"“{row.name}” was changed by {who} at {row.updated_at:%Y-%m-%d %H:%M:%S} UTC after you opened it, "
            f"so {what}. Nothing was overwritten: open it again to see their version, or save yours under "
            "another name to keep both."
        )

    def _taken(self, name: str, key: str) -> NameTaken:
        try:
            row = self._row(scenarios_table.c.name_key == key)
        except sa_exc.SQLAlchemyError:
            row = None
        existing = row.name if row is not None else name
        return NameTaken(f"A scenario named “{existing}” already exists. Choose another name, or overwrite it.")

    def _insert(self, name: str, key: str, description: str, diff_text: str, author: str | None) -> SavedScenario:
        now = self._now_after(None)
        values = {"name": name, "name_key": key, "description": description, "author": author, "updated_by": author}
        try:
            with self.engine.begin() as conn:
                insert = sa.insert(scenarios_table).values(**values, created_at=now, updated_at=now, diff=diff_text)
                new_id = conn.execute(insert).inserted_primary_key[0]  # type: ignore[index]
        except sa_exc.IntegrityError:
            # the unique index on name_key: another session saved this name first (or it was already there)
            raise self._taken(name, key) from None
        return SavedScenario(
            id=new_id,
            name=name,
            description=description,
            author=author,
            created_at=now,
            updated_at=now,
            updated_by=author,
            diff=json.loads(diff_text),
        )

    # -- reading ----------------------------------------------------------------------------------

    def list(self) -> list[SavedScenario]:
        """Every scenario, by name (case-insensitively). A row whose diff is damaged is left out (and logged)."""
        with self._db("Could not load the scenario library", changes=False):
            with self.engine.connect() as conn:
                rows = conn.execute(sa.select(scenarios_table).order_by(scenarios_table.c.name_key)).all()
        out = []
        for row in rows:
            try:
                out.append(self._scenario(row))
            except ValueError:
                log.warning("scenario %s has a damaged diff in the database; left out of the list", row.id)
        return out

    def get(self, scenario_id: int) -> SavedScenario:
        """The scenario with this id; NotFound when it is gone."""
        with self._db("Could not open the scenario", changes=False):
            row = self._row(scenarios_table.c.id == scenario_id)
        return self._opened(row, "This scenario is no longer in the library (someone may have deleted it).")

    def get_by_name(self, name: str) -> SavedScenario:
        """The scenario with this name, compared trimmed and case-insensitively; NotFound when there is none."""
        shown, key = clean_name(name)
        with self._db(f"Could not open “{shown}”", changes=False):
            row = self._row(scenarios_table.c.name_key == key)
        return self._opened(row, f"There is no scenario named “{shown}” in the library.")

    # -- writing ----------------------------------------------------------------------------------

    def save(
        self,
        name: str,
        description: str | None,
        diff: Mapping[str, Any],
        author: str | None,
        *,
        overwrite: bool = False,
        expected_updated_at: datetime | None = None,
    ) -> SavedScenario:
        """Save the scenario under ``name``; returns it as stored.

        A new name is inserted; the database's unique index decides a race, so of two sessions saving one
        name at once exactly one succeeds and the other gets NameTaken. An existing name raises NameTaken
        unless ``overwrite``; then its description, diff, ``updated_by`` and ``updated_at`` are replaced (its
        name, author and created_at are kept). With ``expected_updated_at`` (the ``updated_at`` of the version
        the user opened) a scenario someone changed since raises Conflict; without it the overwrite still
        refuses to clobber a change that lands between this call's read and its write.
        """
        shown, key = clean_name(name)
        text = _clean_text(description, MAX_DESCRIPTION_CHARS, "description")
        who = _clean_author(author)
        diff_text = diff_to_json(diff)
        self._check_token(expected_updated_at)
        with self._db(f"Could not save “{shown}”", changes=True):
            if not overwrite:
                return self._insert(shown, key, text, diff_text, who)
            row = self._row(scenarios_table.c.name_key == key)
            if row is None:  # nothing to overwrite (or someone deleted it): saving creates it
                return self._insert(shown, key, text, diff_text, who)
            if expected_updated_at is not None and row.updated_at != expected_updated_at:
                raise self._changed_since(row, "your version was not saved")
            now = self._now_after(row.updated_at)
            with self.engine.begin() as conn:
                done = conn.execute(
                    sa.update(scenarios_table)
                    .where(scenarios_table.c.id == row.id, scenarios_table.c.updated_at == row.updated_at)
                    .values(description=text, diff=diff_text, updated_by=who, updated_at=now)
                ).rowcount
            if done != 1:
                fresh = self._row(scenarios_table.c.id == row.id)
                if fresh is None:
                    return self._insert(shown, key, text, diff_text, who)
                raise self._changed_since(fresh, "your version was not saved")
            return SavedScenario(
                id=row.id,
                name=row.name,
                description=text,
                author=row.author,
                created_at=row.created_at,
                updated_at=now,
                updated_by=who,
                diff=json.loads(diff_text),
            )

    def rename(
        self,
        scenario_id: int,
        new_name: str,
        *,
        author: str | None = None,
        expected_updated_at: datetime | None = None,
    ) -> SavedScenario:
        """Give the scenario a new name (NameTaken if another scenario has it; a change of case is fine).
        ``author`` becomes ``updated_by``; with ``expected_updated_at``, Conflict if someone changed it since."""
        shown, key = clean_name(new_name)
        who = _clean_author(author)
        self._check_token(expected_updated_at)
        with self._db(f"Could not rename the scenario to “{shown}”", changes=True):
            row = self._row(scenarios_table.c.id == scenario_id)
            current = self._opened(row, "This scenario is no longer in the library (someone may have deleted it).")
            assert row is not None
            if expected_updated_at is not None and row.updated_at != expected_updated_at:
                raise self._changed_since(row, "it was not renamed")
            if row.name == shown:
                return current
            now = self._now_after(row.updated_at)
            try:
                with self.engine.begin() as conn:
                    done = conn.execute(
                        sa.update(scenarios_table)
                        .where(scenarios_table.c.id == row.id, scenarios_table.c.updated_at == row.updated_at)
                        .values(name=shown, name_key=key, updated_at=now, updated_by=who)
                    ).rowcount
            except sa_exc.IntegrityError:
                raise self._taken(shown, key) from None
            if done != 1:
                fresh = self._row(scenarios_table.c.id == row.id)
                if fresh is None:
                    raise NotFound(f"“{row.name}” is no longer in the library (someone deleted it just now).")
                raise self._changed_since(fresh, "it was not renamed")
            return replace(current, name=shown, updated_at=now, updated_by=who)

    def duplicate(self, scenario_id: int, new_name: str, author: str | None) -> SavedScenario:
        """A copy of the scenario (description and diff) under a new name, created now by ``author``."""
        shown, key = clean_name(new_name)
        who = _clean_author(author)
        source = self.get(scenario_id)
        with self._db(f"Could not save the copy “{shown}”", changes=True):
            return self._insert(shown, key, source.description, diff_to_json(source.diff), who)

    def delete(self, scenario_id: int, *, expected_updated_at: datetime | None = None) -> None:
        """Remove the scenario. NotFound if it is already gone; with ``expected_updated_at``, Conflict if someone
        changed it since it was opened (their change is not deleted unseen)."""
        self._check_token(expected_updated_at)
        with self._db("Could not delete the scenario", changes=True):
            where = [scenarios_table.c.id == scenario_id]
            if expected_updated_at is not None:
                where.append(scenarios_table.c.updated_at == expected_updated_at)
            with self.engine.begin() as conn:
                done = conn.execute(sa.delete(scenarios_table).where(*where)).rowcount
            if done == 1:
                return
            fresh = self._row(scenarios_table.c.id == scenario_id)
            if fresh is None:
                raise NotFound("This scenario is no longer in the library (someone may have deleted it already).")
            raise self._changed_since(fresh, "it was not deleted")
