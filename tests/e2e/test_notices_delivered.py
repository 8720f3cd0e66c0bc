"""What the timers decide reaches people, through the whole running platform to a real HTTP receiver on 127.0.0.1
(tests/e2e/helpers/notices.py: its own wishes, dispatch and worker; 2 s limits, a claim's notice 4 s ahead): the
street's office hears of an unreviewed wish's escalation once; a claimant is told before the deadline, at it, and of
the lapse; the resident hears of each state; with the gateway down for 60 s every notice still arrives exactly once;
a recipient on the digest gets one digest; and a community's office hears of tomorrow's uncovered duty day."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import dispatch_pb2 as dis
from linli.registry.v1 import registry_pb2 as reg
from linli.wishes.v1 import wishes_pb2 as wish
from temporalio.client import Client

from devstack.client import Api
from devstack.stack import LocalStack
from services.dispatch.activities.contract import NOTICE_DIGEST_WORKFLOW, NoticeDigestInput
from services.dispatch.duty import contract as duty
from services.runtime.auth import Role
from tests.e2e.helpers.checks import eventually
from tests.e2e.helpers.community import Community, make_community, register_member
from tests.e2e.helpers.ids import new_request_id
from tests.e2e.helpers.notices import CLAIM_NOTICE_SECONDS, TASK_QUEUE, NoticePlatform, running_notice_platform
from tests.e2e.helpers.times import from_now
from tests.e2e.helpers.wishes import submit


@pytest.fixture(scope="module")
async def platform(stack: LocalStack, api: Api, postgres_server: str) -> AsyncIterator[NoticePlatform]:
    async with running_notice_platform(stack, api, postgres_server) as running:
        yield running


async def _approve(api: Api, wish_id: str, deadline_in: timedelta, publish: bool = True) -> None:
    await api.wishes.ReviewWish(
        wish.ReviewWishRequest(
            request_id=new_request_id(),
            wish_id=wish_id,
            # Environment wishes lapse 2 s past their deadline and close 2 s after fulfilment here (conftest LIMITS).
            approve=wish.Approval(
                category=wish.WISH_CATEGORY_ENVIRONMENT, service_standard="清理楼道", deadline=from_now(deadline_in)
            ),
        ),
        metadata=api.admin,
    )
    if publish:
        await api.wishes.PublishWish(
            wish.PublishWishRequest(request_id=new_request_id(), wish_id=wish_id), metadata=api.admin
        )


async def _claim(api: Api, wish_id: str, member_id: str) -> None:
    await api.wishes.ClaimWish(
        wish.ClaimWishRequest(request_id=new_request_id(), wish_id=wish_id, member_id=member_id), metadata=api.admin
    )


async def _district_of(api: Api, community: Community) -> str:
    street = await api.registry.GetOrgUnit(reg.GetOrgUnitRequest(org_unit_id=community.street_id), metadata=api.admin)
    return str(street.org_unit.parent_id)


async def test_an_unreviewed_wish_reminds_the_community_and_its_escalation_reaches_the_street_office_once(
    platform: NoticePlatform,
) -> None:
    api = platform.api
    community = await make_community(api)
    submitted = await submit(api, community)
    district = await _district_of(api, community)
    # 2 s to review, again and again: the community reminded, then the street, then the district (the top).
    await eventually(
        lambda: platform.wish_notices(submitted.id, "wish_escalation", recipient=f"org:{district}"),
        "the district's escalation",
    )
    await asyncio.sleep(3)  # one more limit: nothing is sent twice, nothing climbs past the district
    assert len(platform.wish_notices(submitted.id, "wish_reminder", recipient=f"org:{community.community_id}")) == 1
    [street] = platform.wish_notices(submitted.id, "wish_escalation", recipient=f"org:{community.street_id}")
    assert street["key"] == f"wish-{submitted.id}/v1/escalation-1/org:{community.street_id}"
    assert "not reviewed" in str(street["text"]) and "escalated to your office" in str(street["text"])
    assert len(platform.wish_notices(submitted.id, "wish_escalation")) == 2


async def test_a_claimant_is_told_before_the_deadline_at_it_and_of_the_lapse_and_the_resident_of_each_state(
    platform: NoticePlatform,
) -> None:
    api = platform.api
    community = await make_community(api)
    member = await register_member(api, community.community_id, name="周明")
    lapsing = await submit(api, community)
    await _approve(api, lapsing.id, timedelta(seconds=10))
    deadline = time.time() + 10
    await _claim(api, lapsing.id, member.id)
    # The resident hears of each state as the wish reaches it (news of a state already left is not sent).
    done = await submit(api, community)
    resident = f"resident:{done.id}"

    async def told(purpose: str) -> None:
        await eventually(lambda: platform.wish_notices(done.id, purpose, recipient=resident), purpose)

    await _approve(api, done.id, timedelta(days=14))
    await told("wish_published")
    await _claim(api, done.id, member.id)
    await told("wish_claimed")
    as_member = api.token(Role.MEMBER, scope=member.community_id, subject=member.id)
    await api.wishes.FulfilWish(
        wish.FulfilWishRequest(request_id=new_request_id(), wish_id=done.id, report="楼道清理干净了", hours=1.5),
        metadata=as_member,
    )
    await told("wish_fulfilled")
    await api.wishes.ConfirmWish(
        wish.ConfirmWishRequest(request_id=new_request_id(), wish_id=done.id, confirm=wish.Confirmation(rating=5)),
        metadata=api.admin,
    )
    await told("wish_closed")

    claimant = f"member:{member.id}"
    await eventually(lambda: platform.wish_notices(lapsing.id, "wish_reopened"), "the lapsed claim reopened")
    sent_at = platform.receiver.taken_at
    [due] = platform.wish_notices(lapsing.id, "wish_claim_due", recipient=claimant)
    [at_deadline] = platform.wish_notices(lapsing.id, "wish_claim_deadline", recipient=claimant)
    [lapsed] = platform.wish_notices(lapsing.id, "wish_claim_lapsed", recipient=claimant)
    assert "can be extended once" in str(due["text"]) and "lapses at" in str(due["text"])
    # Before the deadline (by about CLAIM_NOTICE_SECONDS), at it, and after the 2 s grace, in that order.
    assert sent_at[str(due["key"])] < deadline - CLAIM_NOTICE_SECONDS / 2
    assert deadline - 1 <= sent_at[str(at_deadline["key"])] < sent_at[str(lapsed["key"])]
    assert [n["recipient"] for n in platform.wish_notices(lapsing.id, "wish_reopened")] == [
        f"org:{community.street_id}"
    ]

    news = sorted(str(n["purpose"]) for n in platform.wish_notices(done.id, recipient=resident))
    assert news == ["wish_claimed", "wish_closed", "wish_fulfilled", "wish_published"]  # each once
    [fulfilled] = platform.wish_notices(done.id, "wish_fulfilled")
    assert "please confirm" in str(fulfilled["text"])
    [closed] = platform.wish_notices(done.id, "wish_closed")
    assert "fulfilled and closed" in str(closed["text"])


async def test_with_the_gateway_down_for_60_seconds_every_notice_still_arrives_exactly_once(
    platform: NoticePlatform,
) -> None:
    api = platform.api
    community = await make_community(api)
    platform.receiver.status = 503
    down_since = time.monotonic()
    waiting = await submit(api, community)
    await _approve(api, waiting.id, timedelta(days=14))  # published: the resident told; then unclaimed, it climbs
    district = await _district_of(api, community)
    expected = {
        f"wish-{waiting.id}/v3/resident/resident:{waiting.id}",
        f"wish-{waiting.id}/v3/reminder/org:{community.community_id}",
        f"wish-{waiting.id}/v3/escalation-1/org:{community.street_id}",
        f"wish-{waiting.id}/v3/escalation-2/org:{district}",
    }
    await eventually(
        lambda: sum(1 for n, _ in platform.receiver.received if str(n["key"]).startswith(f"wish-{waiting.id}/")) >= 8,
        "refused attempts while the gateway is down",
    )
    await asyncio.sleep(max(0.0, 60 - (time.monotonic() - down_since)))
    assert not platform.wish_notices(waiting.id)  # nothing got through while it was down
    platform.receiver.status = 204
    await eventually(
        lambda: expected <= {str(n["key"]) for n in platform.wish_notices(waiting.id)},
        "every notice once the gateway is back",
        timeout=90,
    )
    await asyncio.sleep(2)
    keys = [str(n["key"]) for n in platform.wish_notices(waiting.id)]
    assert sorted(keys) == sorted(set(keys)) and expected <= set(keys)


async def test_a_recipient_on_the_digest_gets_one_digest_and_urgent_notices_at_once(
    platform: NoticePlatform, temporal: Client
) -> None:
    api = platform.api
    community = await make_community(api)
    office = f"org:{community.community_id}"
    await platform.activities.SetNoticePreference(
        act.SetNoticePreferenceRequest(request_id=new_request_id(), recipient=office, daily_digest=True),
        metadata=api.admin,
    )
    first, second = await submit(api, community), await submit(api, community)
    # Escalations are urgent: the street hears of both at once; the community's reminders wait for the digest.
    street = f"org:{community.street_id}"
    await eventually(
        lambda: all(platform.wish_notices(w.id, "wish_escalation", recipient=street) for w in (first, second)),
        "the street's escalations",
    )
    assert not platform.receiver.notices("wish_reminder", recipient=office)
    await temporal.execute_workflow(
        NOTICE_DIGEST_WORKFLOW, NoticeDigestInput(), id=f"digest-{uuid.uuid4().hex}", task_queue=TASK_QUEUE
    )
    [digest] = platform.receiver.notices("notice_digest", recipient=office)
    assert str(digest["text"]).startswith("2 notice(s):")
    assert f"wish {first.id} not reviewed" in str(digest["text"]) and f"wish {second.id}" in str(digest["text"])
    await temporal.execute_workflow(
        NOTICE_DIGEST_WORKFLOW, NoticeDigestInput(), id=f"digest-{uuid.uuid4().hex}", task_queue=TASK_QUEUE
    )
    assert len(platform.receiver.notices("notice_digest", recipient=office)) == 1  # nothing held twice


async def test_a_communitys_office_is_told_the_day_before_an_uncovered_duty_day(
    platform: NoticePlatform, temporal: Client
) -> None:
    api = platform.api
    covered, uncovered = await make_community(api), await make_community(api)
    member = await register_member(api, covered.community_id, name="值班员")
    zone = ZoneInfo("Asia/Shanghai")  # the deployment's time zone (LINLI_TIMEZONE's default)
    today = datetime.now(zone).date()
    for day in (today + timedelta(days=1), today + timedelta(days=2)):  # tomorrow, whenever the run starts
        await platform.api.dispatch.SetDutyRoster(
            dis.SetDutyRosterRequest(
                request_id=new_request_id(), community_id=uncovered.community_id, date=day.isoformat(), slots=[]
            ),
            metadata=api.admin,
        )
        await platform.api.dispatch.SetDutyRoster(
            dis.SetDutyRosterRequest(
                request_id=new_request_id(),
                community_id=covered.community_id,
                date=day.isoformat(),
                slots=[dis.DutySlot(member_id=member.id, start_time="00:00", end_time="24:00")],
            ),
            metadata=api.admin,
        )
    handle = await temporal.start_workflow(
        duty.WORKFLOW, duty.DutyGapNoticeInput(), id=f"duty-gaps-{uuid.uuid4().hex}", task_queue=TASK_QUEUE
    )
    await handle.result()
    started = (await handle.describe()).start_time
    tomorrow = (started.astimezone(zone).date() + timedelta(days=1)).isoformat()
    [notice] = platform.receiver.notices("duty_uncovered", recipient=f"org:{uncovered.community_id}")
    assert notice["key"] == f"duty-gap/{uncovered.community_id}/{tomorrow}" and tomorrow in str(notice["text"])
    assert not platform.receiver.notices("duty_uncovered", recipient=f"org:{covered.community_id}")
    # The Schedule that runs it every evening was made by dispatch at start-up.
    schedule = await temporal.get_schedule_handle(duty.SCHEDULE_ID).describe()
    assert schedule.schedule.spec.calendars[0].hour[0].start == duty.NOTICE_HOUR
