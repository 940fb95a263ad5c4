"""The 10,000-row workbook (4,000 progress rows with percent-formatted coverage,
6,000 challenge rows) read with its formats; and, run as a script, the
before/after timing of reading it:

    git archive <old-commit> | tar -x -C /tmp/base      # the code to compare with
    python tests/analytics/test_ingest_speed.py /tmp/base .

Each root is compiled first (this machine sets PYTHONDONTWRITEBYTECODE, and a
deployed app has its .pyc files), then read_upload runs in rounds that alternate
the roots, 5 reads per round, and the median, first quartile and minimum of
all reads are printed. Timing is reported, never asserted.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import xlsxwriter

ROUNDS, READS = 8, 5
MODULES = ["Salud", "Justicia", "Policía", "Coordinación"]


def build_10k(path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    pct = book.add_format({"num_format": "0.0%"})
    sheet = book.add_worksheet("avance")
    sheet.write_row(
        0, 0, ["país", "periodo", "módulo", "etapa", "cobertura_pct", "personal_capacitado", "notas"]
    )
    for i in range(1, 4001):
        sheet.write_row(i, 0, ["ARG", f"{2016 + i % 10}-Q{1 + i % 4}", MODULES[i % 4], i % 6])
        sheet.write_number(i, 4, (i * 7 % 1000) / 1000, pct)
        sheet.write_number(i, 5, 5 + i % 400)
        sheet.write_string(i, 6, "bulk" if i % 5 == 0 else "nota de avance")
    sheet = book.add_worksheet("desafíos")
    sheet.write_row(0, 0, ["país", "periodo", "módulo", "categoría", "severidad", "estado", "descripción"])
    for k in range(1, 6001):
        sheet.write_row(
            k,
            0,
            [
                "BOL",
                f"{2016 + k % 10}",
                MODULES[k % 4],
                "FUNDING",
                "HIGH",
                "OPEN",
                f"Falta de financiamiento [{k}]",
            ],
        )
    lists = book.add_worksheet("listas")
    lists.write_column(0, 0, ["HEALTH", "JUSTICE"])
    lists.hide()
    book.close()
    return path


def test_ten_thousand_rows_read_with_percent_formats(tmp_path):
    from analytics.intake.reading import read_upload

    result = read_upload(build_10k(tmp_path / "10k.xlsx").read_bytes(), "10k.xlsx")
    assert result.findings == []
    progress, challenges, lists = result.sheets
    assert (len(progress.rows), len(challenges.rows), lists.hidden) == (4001, 6001, True)
    assert progress.rows[1] == ["ARG", "2017-Q2", "Justicia", "1", "0.7%", "6", "nota de avance"]
    assert all(row[4].endswith("%") for row in progress.rows[1:])
    assert challenges.rows[6000][6] == "Falta de financiamiento [6000]"


ONE_ROOT = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
try:
    from analytics.intake.reading import read_upload
except ImportError:  # a root from before the core was split into packages
    from analytics.ingest import read_upload
data = open(sys.argv[2], "rb").read()
read_upload(data, "10k.xlsx")
times = []
for _ in range(int(sys.argv[3])):
    started = time.perf_counter()
    read_upload(data, "10k.xlsx")
    times.append(time.perf_counter() - started)
print(json.dumps(times))
"""


def main(roots: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        book = build_10k(Path(tmp) / "10k.xlsx")
        for root in roots:
            subprocess.run([sys.executable, "-m", "compileall", "-q", f"{root}/analytics"], check=True)
        times: dict[str, list[float]] = {root: [] for root in roots}
        for _ in range(ROUNDS):
            for root in roots:
                out = subprocess.run(
                    [sys.executable, "-c", ONE_ROOT, root, str(book), str(READS)],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=root,
                )
                times[root] += json.loads(out.stdout)
    for root, ts in times.items():
        q1 = statistics.quantiles(ts, n=4)[0]
        print(
            f"{root}: {len(ts)} reads, median {statistics.median(ts):.3f} s, p25 {q1:.3f} s, min {min(ts):.3f} s"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["."])
