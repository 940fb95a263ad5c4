"""What is stored is what the person saw, end to end: real files (tests/data/stored/, see
tests/data/make_stored_fixtures.py for how each tool wrote them) are loaded through the
real check + commit path and read back through a snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.exports import snapshot
from analytics.ledger import workflow
from tests.helpers import ADMIN

DATA = Path(__file__).parents[1] / "data" / "stored"
SEEN = [
    # module, stage, coverage_pct, trained_staff, notes
    ("COORD", 1, None, 20, "Línea 141"),
    ("HEALTH", 3, 45.0, 1000, "Capacitación del personal"),
    ("JUSTICE", 2, 45.5, 7, "Niñas y adolescentes"),
]
FILES = sorted(p.name for p in DATA.iterdir())


def test_every_stored_fixture_is_covered():
    assert len(FILES) == 10, FILES


@pytest.mark.parametrize("name", FILES)
def test_the_snapshot_holds_what_the_spreadsheet_showed(store, con, name):
    chk, out = workflow.load(store, (DATA / name).read_bytes(), name, principal=ADMIN)
    assert not [f for f in chk.findings if f.is_error], [(f.code, f.row, f.column) for f in chk.findings]
    assert {f.code for f in chk.findings} <= {"unknown_column"}
    assert out is not None and out.submission_id is not None

    progress = snapshot.build(con, lang="en").tables["progress"]
    assert set(progress["country"]) == {"PER"} and set(progress["period"]) == {"2024"}
    rows = sorted(
        (
            r.module,
            int(r.stage),
            None if r.coverage_pct != r.coverage_pct else float(r.coverage_pct),
            int(r.trained_staff),
            r.notes,
        )
        for r in progress.itertuples()
    )
    assert rows == SEEN
