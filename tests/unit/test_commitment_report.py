"""The yearly report's side of service commitments (服务承诺): each report gets its member's commitment for its year
from the registry's own record and whether the report's figures met it; what a caller sent is never kept."""

from __future__ import annotations

from datetime import UTC, datetime

from linli.registry.v1 import commitments_pb2 as com
from linli.registry.v1 import reports_pb2 as rep

from services.registry.commitments.domain import Commitment
from services.registry.commitments.yearly import fill_commitments

SET_AT = datetime(2026, 1, 5, tzinfo=UTC)


class Store:
    """The registry's commitments: member 1 committed to 4 services and the post 7 (which they hold), member 2 to 10
    hours."""

    def __init__(self) -> None:
        self.commitments = {
            (1, 2026): Commitment(1, 2026, 7, "扶贫帮困", 4, 0.0, SET_AT),
            (2, 2026): Commitment(2, 2026, None, "", 0, 10.0, SET_AT),
        }

    async def commitments_of(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Commitment]:
        return {p: self.commitments[p] for p in pairs if p in self.commitments}

    async def posts_held(self, commitments: list[Commitment]) -> set[int]:
        return {c.member_id for c in commitments if c.post_id == 7}


async def test_each_report_says_what_was_committed_and_whether_it_was_met() -> None:
    reports = [
        rep.YearlyServiceReport(member_id="1", year=2026, services=4, hours=2.0),
        rep.YearlyServiceReport(member_id="2", year=2026, services=9, hours=9.5),
        rep.YearlyServiceReport(
            member_id="3",
            year=2026,
            services=1,
            commitment=com.ServiceCommitment(member_id="3", services=1),
            commitment_met=True,
        ),
    ]
    await fill_commitments(Store(), reports)  # type: ignore[arg-type]
    met, short, none = reports
    assert (met.commitment.services, met.commitment.post_id, met.commitment.post_name, met.commitment_met) == (
        4,
        "7",
        "扶贫帮困",
        True,
    )
    assert (short.commitment.hours, short.commitment_met) == (10.0, False)
    # Member 3 made no commitment: what the caller sent in its place is dropped.
    assert (none.HasField("commitment"), none.commitment_met) == (False, False)
