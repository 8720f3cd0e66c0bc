"""The weekly report's care section (结对帮扶): the figures GetCareStats gives for the unit's week, and "care" named
in missing_sections, never zeros, when the registry does not offer them."""

from __future__ import annotations

from typing import Any

import grpc
from linli.registry.v1 import care_pb2, registry_pb2

from services.registry.reports.contract import WeeklyReportInput
from workflows.report_steps import ReportSteps


class _Unimplemented(grpc.aio.AioRpcError):
    def __init__(self) -> None:
        super().__init__(grpc.StatusCode.UNIMPLEMENTED, grpc.aio.Metadata(), grpc.aio.Metadata(), "unimplemented")


class _Service:
    """Answers every call with an empty response, but those it is given."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.asked: list[Any] = []

    def __getattr__(self, method: str) -> Any:
        async def answer(request: Any, timeout: float) -> Any:
            self.asked.append(request)
            found = self.answers.get(method)
            if isinstance(found, Exception):
                raise found
            if found is not None:
                return found
            if method == "GetOrgUnit":
                return registry_pb2.GetOrgUnitResponse(org_unit=registry_pb2.OrgUnit(id="4", name="温泉街道"))
            if method == "ListPairings":
                return registry_pb2.ListPairingsResponse()
            return _Empty()

        return answer


class _Empty:
    def __getattr__(self, name: str) -> Any:
        return [] if name in ("totals", "by_state") else 0


def _steps(care: _Service | None) -> ReportSteps:
    registry = _Service()
    return ReportSteps(registry, _Service(), _Service(), _Service(), _Service(), care)  # type: ignore[arg-type]


WEEK = WeeklyReportInput(org_unit_id="4", week_start="2026-11-30", timezone="Asia/Shanghai")


async def test_the_weekly_report_counts_the_weeks_care_pairs_and_visits_due_made_and_missed() -> None:
    care = _Service(
        GetCareStats=care_pb2.GetCareStatsResponse(
            pairs_active=12, people_cared_for=26, visits_due=40, visits_made=37, visits_missed=3
        )
    )
    report = await _steps(care).gather_weekly_figures(WEEK)
    assert {k: v for k, v in report.items() if k.startswith("care_")} == {
        "care_pairs_active": 12,
        "care_people": 26,
        "care_visits_due": 40,
        "care_visits_made": 37,
        "care_visits_missed": 3,
    }
    [asked] = care.asked
    assert asked.org_unit_id == "4" and asked.start_time.seconds < asked.end_time.seconds
    assert "care" not in report.get("missing_sections", [])


async def test_a_registry_without_care_pairs_is_named_missing_never_zero() -> None:
    report = await _steps(_Service(GetCareStats=_Unimplemented())).gather_weekly_figures(WEEK)
    assert report["missing_sections"] == ["care"] and "care_pairs_active" not in report
