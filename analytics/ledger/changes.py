"""What a file changes against the stored reports: pure functions of frames.

Reports are compared as text, the way a person compares two spreadsheets: 45.0
and 45 are the same value, an empty cell is "".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from analytics.findings import Finding
from analytics.sheets.schema import SHEETS


def display(v: object) -> str:
    """A stored value as text for comparing and showing (empty for missing)."""
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return ""
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


def _display_column(col: pd.Series) -> list[str]:
    """``display`` of every cell, with the common column types done without per-cell checks."""
    values = col.tolist()
    if pd.api.types.is_float_dtype(col):
        return ["" if v != v else (str(int(v)) if v == int(v) else str(v)) for v in values]
    if pd.api.types.is_integer_dtype(col) and not col.hasnans:
        return [str(v) for v in values]
    return [v if isinstance(v, str) else display(v) for v in values]


def in_blocks(df: pd.DataFrame, blocks: set[tuple[str, str]]) -> pd.Series:
    """Which rows of ``df`` belong to one of the (country, period) ``blocks``."""
    pairs = list(zip(df["country"].tolist(), df["period"].tolist()))
    return pd.Series(pairs, index=df.index, dtype=object).isin(blocks)


def regressions(progress: pd.DataFrame, history: pd.DataFrame, sheet: str) -> list[Finding]:
    """``stage_regressed`` warnings: a stage lower than the country's previous period.

    ``history`` holds the stored report (country, module, period, period_start,
    stage) for blocks this file does not replace; the file's own earlier
    periods count too.
    """
    if progress.empty:
        return []
    cols = ["country", "module", "period", "period_start", "stage"]
    new = progress[cols + ["row_number"]]
    old = (history[cols] if len(history) else pd.DataFrame(columns=cols)).assign(row_number=None)
    both = pd.concat([old, new], ignore_index=True)
    both["period_start"] = pd.to_datetime(both["period_start"])
    both["row_number"] = pd.to_numeric(both["row_number"])
    both["stage"] = pd.to_numeric(both["stage"])
    both = both.sort_values(["country", "module", "period_start"], kind="stable")
    by = both.groupby(["country", "module"], sort=False)
    both["previous"], both["previous_period"] = by["stage"].shift(), by["period"].shift()
    hit = both[both["row_number"].notna() & (both["stage"] < both["previous"])]
    return [
        Finding.warning(
            "stage_regressed",
            sheet=sheet,
            row=int(r.row_number),
            value=str(int(r.stage)),
            previous=int(r.previous),
            previous_period=r.previous_period,
            module=r.module,
        )
        for r in hit.itertuples()
    ]


CHANGED_COLUMNS = ["sheet", "country", "period", "key", "field", "old", "new"]


def _rows_diff(
    sheet: str, before: pd.DataFrame, after: pd.DataFrame, blocks: set[tuple[str, str]]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(added, changed, removed) rows of ``sheet`` within ``blocks``, old and new rows paired
    by their natural key."""
    spec = SHEETS[sheet]
    b, a = before[in_blocks(before, blocks)], after[in_blocks(after, blocks)]
    keys = ["country", "period", *spec.natural_key]
    fields = [c for c in spec.value_columns if c not in keys]
    merged = a.merge(b, on=keys, how="outer", suffixes=("", "_old"), indicator=True)
    added = merged[merged["_merge"] == "left_only"][keys + fields].copy()
    added.insert(0, "sheet", sheet)
    removed = merged[merged["_merge"] == "right_only"][keys].copy()
    removed.insert(0, "sheet", sheet)
    changes = []
    for r in merged[merged["_merge"] == "both"].itertuples(index=False):
        rd = r._asdict()
        for f in fields:
            old, new = display(rd[f + "_old"]), display(rd[f])
            if old != new:
                changes.append(
                    {
                        "sheet": sheet,
                        "country": rd["country"],
                        "period": rd["period"],
                        "key": " / ".join(str(rd[k]) for k in spec.natural_key),
                        "field": f,
                        "old": old,
                        "new": new,
                    }
                )
    return added, pd.DataFrame(changes, columns=CHANGED_COLUMNS), removed


BLOCK_COLUMNS = ["country", "period", "sheet", "shown_now", "uploaded_by", "committed_at", "takes_effect"]


@dataclass(frozen=True)
class Diff:
    """What a file changes against the reports standing now, block by block.

    One answer for both who ask: the uploader before the confirm (against the reports as
    they stand, awaiting review included: ``workflow.preview``) and the reviewer before an
    approval (against what is published: ``pending.change``).
    """

    # Every (country, period, sheet) block the file holds: the submission shown there now
    # (<NA> if none) with who committed it and when, and whether the file takes its place
    # (not where a later published submission holds it).
    blocks: pd.DataFrame
    added: pd.DataFrame  # sheet, country, period, natural key, values: rows with no earlier counterpart
    changed: pd.DataFrame  # CHANGED_COLUMNS: one row per value, old → new
    removed: pd.DataFrame  # sheet, country, period, natural key: rows of the reports replaced, gone

    @property
    def count(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)

    @property
    def empty(self) -> bool:
        return self.count == 0

    @property
    def visible(self) -> bool:
        """False when later published submissions hold every block it would replace."""
        return bool(self.blocks["takes_effect"].any())

    @property
    def replaced(self) -> pd.DataFrame:
        """The blocks where it takes the place of a report shown now."""
        return self.blocks[self.blocks["takes_effect"] & self.blocks["shown_now"].notna()]


def between(
    blocks: pd.DataFrame, before: Mapping[str, pd.DataFrame], after: Mapping[str, pd.DataFrame]
) -> Diff:
    """The ``Diff`` of ``after`` against ``before`` (each a sheet's rows) within the ``blocks``
    (``BLOCK_COLUMNS``) that take effect; only their sheets need be in ``before`` and ``after``."""
    live = blocks[blocks["takes_effect"]]
    added, changed, removed = [], [], []
    for sheet in SHEETS:
        pairs = {(c, p) for c, p, s in zip(live["country"], live["period"], live["sheet"]) if s == sheet}
        if pairs:
            a, b, r = _rows_diff(sheet, before[sheet], after[sheet], pairs)
            added.append(a)
            changed.append(b)
            removed.append(r)

    def joined(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    frame = blocks[BLOCK_COLUMNS].reset_index(drop=True)
    return Diff(
        frame.assign(
            shown_now=frame["shown_now"].astype("Int64"), takes_effect=frame["takes_effect"].astype(bool)
        ),
        joined(added, ["sheet"]),
        joined(changed, CHANGED_COLUMNS),
        joined(removed, ["sheet"]),
    )


@dataclass(frozen=True)
class SheetChanges:
    """How one sheet of a file compares with the stored report of the blocks it replaces."""

    unchanged_blocks: frozenset[tuple[str, str]]  # (country, period) whose rows are all as stored
    unchanged_rows: frozenset[int]  # file rows identical to a stored row of their block
    same_values: dict[str, frozenset[int]]  # column → file rows whose stored counterpart has that value
    removed: pd.DataFrame  # stored rows of the file's blocks whose natural key the file no longer has


def _row_texts(sheet: str, df: pd.DataFrame) -> list[tuple]:
    return list(zip(*(_display_column(df[c]) for c in SHEETS[sheet].value_columns))) if len(df) else []


def sheet_changes(
    sheet: str, new: pd.DataFrame, stored: pd.DataFrame, pairs: set[tuple[str, str]]
) -> SheetChanges:
    """Compare the file's rows of ``sheet`` with the stored rows of the same (country, period) blocks."""
    spec = SHEETS[sheet]
    old = stored[in_blocks(stored, pairs)] if len(stored) else stored
    columns = spec.value_columns
    key_at = [columns.index(k) for k in ("country", "period", *spec.natural_key)]
    new_rows = _row_texts(sheet, new)
    old_rows = _row_texts(sheet, old)
    old_set = set(old_rows)
    old_by_key = {tuple(r[i] for i in key_at): r for r in old_rows}
    numbers = new["row_number"].tolist() if len(new) else []
    unchanged = frozenset(n for n, r in zip(numbers, new_rows) if r in old_set)
    same: dict[str, set[int]] = {c: set() for c in columns}
    for n, r in zip(numbers, new_rows):
        before = old_by_key.get(tuple(r[i] for i in key_at))
        if before is not None:
            for j, c in enumerate(columns):
                if before[j] == r[j]:
                    same[c].add(n)
    new_blocks: dict[tuple[str, str], list[tuple]] = {p: [] for p in pairs}
    for r in new_rows:
        new_blocks[(r[0], r[1])].append(r)
    old_blocks: dict[tuple[str, str], list[tuple]] = {p: [] for p in pairs}
    for r in old_rows:
        old_blocks[(r[0], r[1])].append(r)
    same_blocks = frozenset(p for p in pairs if sorted(new_blocks[p]) == sorted(old_blocks[p]))
    new_keys = {tuple(r[i] for i in key_at) for r in new_rows}
    gone = [tuple(r[i] for i in key_at) not in new_keys for r in old_rows]
    removed = old[pd.Series(gone, index=old.index, dtype=bool)] if len(old) else old
    return SheetChanges(same_blocks, unchanged, {c: frozenset(v) for c, v in same.items()}, removed)
