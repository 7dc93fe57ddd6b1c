"""The charts' story and signed-in browsers (tests/clinic/test_charts.py), for the other chart
tests of this folder too (test_chart_tables.py)."""

from tests.clinic.test_charts import clinician_browser, patient_browser, story  # noqa: F401
