"""RegistryService's service commitments (服务承诺制度): a member commits for a year to a post, a number of services or
hours; the commitment is read with its progress, and the worker lists the lagging ones for the mid-year reminder.

A member sets and reads their own; staff those of members living in their scope. The rules are in domain.py."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import grpc
from linli.registry.v1 import commitments_pb2 as cpb

from services.registry.commitments import domain
from services.registry.commitments.store import Done
from services.registry.lookups import Lookups, require_may_read_member
from services.registry.messages import after_id_of
from services.registry.reports.domain import year_bounds
from services.runtime import access, validate
from services.runtime.auth import current_caller
from services.runtime.db import Connection
from services.runtime.errors import FailedPrecondition, InvalidArgument, NotFound
from services.runtime.paging import encode_page_token

STANDINGS = {
    domain.ON_TRACK: cpb.COMMITMENT_STANDING_ON_TRACK,
    domain.LAGGING: cpb.COMMITMENT_STANDING_LAGGING,
    domain.MET: cpb.COMMITMENT_STANDING_MET,
    domain.MISSED: cpb.COMMITMENT_STANDING_MISSED,
}


def commitment_message(commitment: domain.Commitment) -> cpb.ServiceCommitment:
    message = cpb.ServiceCommitment(
        member_id=str(commitment.member_id),
        year=commitment.year,
        post_id=str(commitment.post_id) if commitment.post_id is not None else "",
        post_name=commitment.post_name,
        services=commitment.services,
        hours=commitment.hours,
    )
    message.set_time.FromDatetime(commitment.set_at)
    return message


def progress_message(progress: domain.Progress) -> cpb.CommitmentProgress:
    return cpb.CommitmentProgress(
        services_done=progress.services_done,
        hours_done=progress.hours_done,
        post_held=progress.post_held,
        year_elapsed=progress.year_elapsed,
        standing=STANDINGS[progress.standing],
    )


def _year(value: int) -> int:
    if not 2000 <= value <= 2100:
        raise InvalidArgument("must be a year between 2000 and 2100", "year")
    return value


class CommitmentCalls(Lookups):
    timezone: str

    async def _progress(self, commitments: list[domain.Commitment], year: int) -> dict[int, domain.Progress]:
        """Each commitment against what its member did in the year so far, in the deployment's time zone."""
        start, end = year_bounds(year, self.timezone)
        share = domain.elapsed_share(datetime.now(UTC), start, end)
        done = await self.store.done_in(commitments, start, end)
        nothing = Done(0, 0.0, False)
        progress = {}
        for c in commitments:
            d = done.get(c.member_id, nothing)
            progress[c.member_id] = domain.progress(c, d.services, d.hours, d.post_held, share)
        return progress

    async def SetServiceCommitment(
        self, request: cpb.SetServiceCommitmentRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> cpb.SetServiceCommitmentResponse:  # 服务承诺
        caller = current_caller()
        request_id = validate.request_id(request.request_id)
        year = _year(request.year)
        domain.check_year(year, datetime.now(ZoneInfo(self.timezone)).year)
        post_id = validate.entity_id("post_id", request.post_id, required=False)
        # Hours are kept to the hundredth: 0.001 h is no commitment at all.
        hours = round(request.hours, 2) if math.isfinite(request.hours) else request.hours
        domain.check_terms(request.services, hours, post_id is not None)
        member = await self._member("member_id", request.member_id)
        # A member sets only their own; staff for the members living in their scope.
        require_may_read_member(caller, member)
        if member.status != "active":
            raise FailedPrecondition("the member is deregistered", "member_id")
        if post_id is not None:
            post = await self._service_post(request.post_id)
            if post.community_id != member.community_id:
                raise FailedPrecondition("the post belongs to another community than the member's", "post_id")

        async def commit(conn: Connection) -> cpb.SetServiceCommitmentResponse:
            commitment = await self.store.set_commitment(
                conn, caller, member.id, year, post_id, request.services, hours
            )
            return cpb.SetServiceCommitmentResponse(commitment=commitment_message(commitment))

        target = f"member:{member.id}/year:{year}"
        return await self.store.once(
            caller, request_id, "SetServiceCommitment", cpb.SetServiceCommitmentResponse, commit, target
        )

    async def GetServiceCommitment(
        self, request: cpb.GetServiceCommitmentRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> cpb.GetServiceCommitmentResponse:
        caller = current_caller()
        year = _year(request.year)
        member = await self._member("member_id", request.member_id)
        require_may_read_member(caller, member)
        commitment = await self.store.commitment(member.id, year)
        if commitment is None:
            raise NotFound(f"member {member.id} made no commitment for {year}", "year")
        progress = (await self._progress([commitment], year))[member.id]
        return cpb.GetServiceCommitmentResponse(
            commitment=commitment_message(commitment), progress=progress_message(progress)
        )

    async def ListLaggingCommitments(
        self, request: cpb.ListLaggingCommitmentsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> cpb.ListLaggingCommitmentsResponse:
        caller = current_caller()
        access.require_whole_deployment(caller, "list lagging commitments")
        year = _year(request.year)
        page_size = validate.page_size("page_size", request.page_size, default=100, maximum=500)
        query = {"lagging_commitments_of": year}
        page = await self.store.commitments_of_year(year, after_id_of(request.page_token, query), page_size + 1)
        more = len(page) > page_size
        page = page[:page_size]
        progress = await self._progress([c for c, _ in page], year)
        lagging = [
            cpb.LaggingCommitment(
                commitment=commitment_message(c),
                progress=progress_message(progress[c.member_id]),
                community_id=str(community_id),
            )
            for c, community_id in page
            if progress[c.member_id].standing == domain.LAGGING
        ]
        # The token follows the last commitment looked at, lagging or not, so a page may be short.
        token = encode_page_token(query, [page[-1][0].member_id]) if more else ""
        return cpb.ListLaggingCommitmentsResponse(commitments=lagging, next_page_token=token)
