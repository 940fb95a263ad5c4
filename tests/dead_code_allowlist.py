"""Names vulture reports as unused that are used: registered writers and parsers, attributes set
for Plotly and zipfile, pytest marks. Used by ``make lint`` (``vulture ... tests/dead_code_allowlist.py``)."""

# ruff: noqa
_.hoverinfo  # unused attribute (analytics/charts.py:88)
_.texttemplate  # unused attribute (analytics/charts.py:91)
_.compress_type  # unused attribute (analytics/exports.py:69)
to_xlsx  # unused function (analytics/exports.py:74)
to_csv_zip  # unused function (analytics/exports.py:106)
to_parquet_zip  # unused function (analytics/exports.py:114)
to_html  # unused function (analytics/exports.py:124)
_.find_class  # unused method (analytics/ingest.py:186)
_country  # unused function (analytics/kinds.py:81)
_period  # unused function (analytics/kinds.py:89)
_module  # unused function (analytics/kinds.py:103)
_stage  # unused function (analytics/kinds.py:112)
_percent  # unused function (analytics/kinds.py:124)
_count  # unused function (analytics/kinds.py:137)
_text  # unused function (analytics/kinds.py:149)
_url  # unused function (analytics/kinds.py:157)
_countries  # registered parser (analytics/kinds.py)
_yes_no  # registered parser (analytics/kinds.py)
dialect  # unused function (analytics/migrations.py:70)
pytestmark  # unused variable (tests/benchmarks/test_bench_smoke.py:13)
pytestmark  # unused variable (tests/browser/test_downloads.py:16)
pytestmark  # unused variable (tests/browser/test_focal_point.py:19)
pytestmark  # unused variable (tests/browser/test_map_offline.py:35)
pytestmark  # unused variable (tests/browser/test_pages.py:19)
pytestmark  # unused variable (tests/browser/test_security.py:19)
pytestmark  # unused variable (tests/browser/test_selection.py:16)
review_on  # autouse fixture (tests/analytics/test_review.py)
_.number_format  # openpyxl cell attribute set in tests/data/make_realworld_fixtures.py
LEDGER_TABLES  # read by the backup (issue 13), next
REFERENCE_TABLES  # read by the backup (issue 13), next
change  # analytics/pending.py: the review page's diff (issue 14), next
