"""The stored tables: versioned migrations for the ledger, sheet tables from their declarations.

Written in a small SQL subset both stores speak; ``dialect`` maps the few types
that differ. A sheet's table is never written here by hand: ``sheet_tables``
creates it from ``schema.SHEETS`` and adds any column declared since.
"""

from __future__ import annotations

import re

from analytics.sheets.kinds import sql_type
from analytics.sheets.schema import PERIOD_BOUNDS, ROW_NUMBER, SHEETS, Sheet

MIGRATIONS: list[str] = [
    # 1: reference facts, submissions, their blocks and rollbacks. (The sheet tables of
    # schema 1 had exactly the columns ``sheet_tables`` derives today.)
    """
    CREATE TABLE countries (
        iso3 VARCHAR PRIMARY KEY, iso2 VARCHAR, m49 VARCHAR, name_en VARCHAR, name_es VARCHAR,
        subregion VARCHAR, main_language VARCHAR, joined VARCHAR, joined_year INTEGER,
        joined_date DATE, entry_route VARCHAR, spotlight BOOLEAN, member BOOLEAN,
        source VARCHAR);
    CREATE TABLE modules (
        code VARCHAR PRIMARY KEY, number INTEGER, name_en VARCHAR, name_es VARCHAR,
        reportable BOOLEAN, unit_en VARCHAR, unit_es VARCHAR, source VARCHAR);
    CREATE TABLE services (
        module VARCHAR, ord INTEGER, level VARCHAR, name_en VARCHAR, name_es VARCHAR,
        verified BOOLEAN, source VARCHAR);
    CREATE TABLE milestones (
        date VARCHAR, countries VARCHAR, event_en VARCHAR, event_es VARCHAR, source VARCHAR);
    CREATE TABLE context_indicator (
        iso3 VARCHAR, country_un VARCHAR, series VARCHAR, age_group VARCHAR,
        reference_year INTEGER, time_detail VARCHAR, value_pct DOUBLE, lower_bound DOUBLE,
        upper_bound DOUBLE, nature VARCHAR, source_year INTEGER, source VARCHAR);
    CREATE TABLE vocab (
        domain VARCHAR, code VARCHAR, ord INTEGER, label_en VARCHAR, label_es VARCHAR,
        description_en VARCHAR, description_es VARCHAR, source VARCHAR,
        PRIMARY KEY (domain, code));
    CREATE TABLE aliases (domain VARCHAR, code VARCHAR, alias VARCHAR, source VARCHAR);

    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY, file_name VARCHAR, sha256 VARCHAR, uploaded_by VARCHAR,
        source VARCHAR, committed_at TIMESTAMP, version INTEGER, rows INTEGER,
        raw BLOB, findings VARCHAR, kind VARCHAR);
    CREATE TABLE rollbacks (
        submission_id INTEGER PRIMARY KEY, rolled_back_at TIMESTAMP,
        rolled_back_by VARCHAR, reason VARCHAR, version INTEGER);
    CREATE TABLE blocks (
        submission_id INTEGER, country VARCHAR, period VARCHAR, sheet VARCHAR,
        replaced_submission_id INTEGER);
    """,
    # 2: one clock (times are UTC-aware) and one counter that every write takes in turn:
    # two writers that both read "the latest version" can no longer both use it.
    """
    ALTER TABLE submissions ALTER COLUMN committed_at TYPE TIMESTAMPTZ;
    ALTER TABLE rollbacks ALTER COLUMN rolled_back_at TYPE TIMESTAMPTZ;
    CREATE TABLE esp_counters (name VARCHAR PRIMARY KEY, value BIGINT);
    INSERT INTO esp_counters SELECT 'data_version', coalesce(max(v), 0) FROM (
        SELECT version AS v FROM submissions UNION ALL SELECT version FROM rollbacks) AS events;
    INSERT INTO esp_counters SELECT 'submission_id', coalesce(max(id), 0) FROM submissions;
    """,
    # 3: review before publication. Every submission committed before review existed was
    # published on commit, so it is recorded as approved then (by "auto").
    """
    CREATE TABLE reviews (
        submission_id INTEGER, action VARCHAR, acted_by VARCHAR, acted_at TIMESTAMPTZ,
        comment VARCHAR, version INTEGER);
    INSERT INTO reviews SELECT id, 'approved', 'auto', committed_at, NULL, version FROM submissions;
    """,
    # 4: capacity development and exchange: the ``capacity`` sheet table, and practices'
    # ``adopted_from`` and ``replicable`` (rows stored before it: not replicable). No
    # statement of its own: ``sheet_tables``, which runs with every migration, derives them
    # from the declarations; this entry moves existing databases to schema 4 so that it runs.
    "",
]
SCHEMA_VERSION = len(MIGRATIONS)

# The ledger's tables are append-only (history is never deleted); each grows by the column
# named here, so a copy (a backup, a mirror) can take just what it lacks. The reference
# tables are replaced whole by ``reference.load``.
LEDGER_TABLES: dict[str, str] = {
    "submissions": "version",
    "rollbacks": "version",
    "reviews": "version",
    "blocks": "submission_id",
    **{sheet: "submission_id" for sheet in SHEETS},
}
REFERENCE_TABLES = ("countries", "modules", "services", "milestones", "context_indicator", "vocab", "aliases")

META_TABLE = "CREATE TABLE IF NOT EXISTS esp_meta (key VARCHAR PRIMARY KEY, value VARCHAR)"
_DIALECTS = {"duckdb": {}, "postgresql": {"DOUBLE": "DOUBLE PRECISION", "BLOB": "BYTEA"}}


def dialect(sql: str, name: str) -> str:
    """``sql`` with the types of store ``name``."""
    for ours, theirs in _DIALECTS[name].items():
        sql = re.sub(rf"\b{ours}\b", theirs, sql)
    return sql


def statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def sheet_columns(spec: Sheet) -> list[tuple[str, str]]:
    """(column, SQL type) of a sheet's stored table."""
    out = [("submission_id", "INTEGER"), (ROW_NUMBER, "INTEGER")]
    for col in spec.columns:
        out.append((col.key, sql_type(col.kind)))
        if col.key == "period":
            out += [(bound, "DATE") for bound in PERIOD_BOUNDS]
    return out


def _literal(value: object) -> str:
    """A declared default as SQL both stores read."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def sheet_tables(existing: dict[str, set[str]]) -> list[str]:
    """Statements that bring every sheet table to its declaration.

    ``existing``: table → its columns, for the tables the store already has. A column
    added to a table that already has rows gives them its declared default (what a blank
    cell would have stored), so a report read back and uploaded again changes nothing.
    """
    out = []
    for spec in SHEETS.values():
        columns = sheet_columns(spec)
        if spec.key not in existing:
            body = ", ".join(f'"{name}" {typ}' for name, typ in columns)
            out.append(f'CREATE TABLE "{spec.key}" ({body})')
            continue
        defaults = {c.key: c.default for c in spec.columns if c.default is not None}
        out += [
            f'ALTER TABLE "{spec.key}" ADD COLUMN "{name}" {typ}'
            + (f" DEFAULT {_literal(defaults[name])}" if name in defaults else "")
            for name, typ in columns
            if name not in existing[spec.key]
        ]
    return out
