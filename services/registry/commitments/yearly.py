"""The yearly service report (年报) sets what was done against what was committed: the registry fills each report's
commitment as it stores it (StoreYearlyServiceReports), from its own tables, so the worker asks nothing more."""

from __future__ import annotations

from linli.registry.v1 import reports_pb2 as pb

from services.registry.commitments import domain
from services.registry.commitments.servicer import commitment_message
from services.registry.commitments.store import CommitmentStore


async def fill_commitments(store: CommitmentStore, reports: list[pb.YearlyServiceReport]) -> None:
    """Each report gets its member's commitment for its year, if one was made, and whether the report's services
    and hours (and the post, held when the report is stored: early January, as the year has just ended) met it."""
    for report in reports:
        report.ClearField("commitment")  # the registry's record is the truth, never what a caller sent
        report.commitment_met = False
    found = await store.commitments_of([(int(r.member_id), r.year) for r in reports])
    held = await store.posts_held(list(found.values()))
    for report in reports:
        commitment = found.get((int(report.member_id), report.year))
        if commitment is None:
            continue
        report.commitment.CopyFrom(commitment_message(commitment))
        report.commitment_met = domain.met(commitment, report.services, report.hours, commitment.member_id in held)
