"""The weekly export's CSV hands the district office's spreadsheet no formula: a unit named like one stays text."""

from __future__ import annotations

import csv
import io

from services.registry.reports.domain import weekly_csv


def test_a_unit_named_like_a_formula_is_written_as_text() -> None:
    text = weekly_csv(
        [
            {"org_unit_id": "7", "org_unit_name": "=cmd|' /C calc'!A0", "week_start": "2026-06-15"},
            {"org_unit_id": "8", "org_unit_name": "@SUM(A1:A9)", "missing_sections": ["-alerts"]},
            {"org_unit_id": "9", "org_unit_name": "温泉街道", "services": 3},
        ]
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["org_unit_name"] for r in rows] == ["'=cmd|' /C calc'!A0", "'@SUM(A1:A9)", "温泉街道"]
    assert rows[1]["missing_sections"] == "'-alerts"
    assert rows[2]["services"] == "3"
