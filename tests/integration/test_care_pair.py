"""CarePair on Temporal's time-skipping server, its real steps sending to a real HTTP gateway on 127.0.0.1 and the
registry's CarePairService stood in for: a visit not made within the cadence reminds the carers, then after the
grace the unit's office; a recorded visit starts the clock again; a visit committed but not yet relayed is found by
the re-read; a notice that cannot get through for six hours is given up and the office above told; ending the pair
ends the workflow."""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from services.registry.care.contract import STATUS_QUERY, CarePairStatus
from tests.helpers.notice_gateway import NoticeGateway
from tests.integration.helpers.care_world import PARENT, UNIT, care_worker, new_pair, start

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _queue() -> str:
    return f"care-{uuid.uuid4().hex[:8]}"


async def test_a_visit_not_made_within_the_cadence_reminds_the_carers_then_the_office_after_the_grace(
    time_skipping_env: WorkflowEnvironment, gateway: tuple[NoticeGateway, str]
) -> None:
    receiver, url = gateway
    env, queue = time_skipping_env, _queue()
    registry = await new_pair(env, cadence_days=3)
    async with care_worker(env, queue, registry, url):
        world = await start(env, queue, registry)
        key = f"care-pair-{registry.pair_id}/after-0/1"
        await env.sleep(3 * DAY - HOUR)
        assert receiver.taken == []  # not due yet
        await env.sleep(2 * HOUR)
        assert sorted(receiver.keys) == [f"{key}/reminder/member:12", f"{key}/reminder/member:13"]
        assert {n["purpose"] for n in receiver.taken} == {"care_visit_due"}
        await env.sleep(DAY)
        [office] = receiver.notices("care_visit_missed")
        assert office["recipient"] == f"org:{UNIT}" and receiver.keys[-1] == f"{key}/office/org:{UNIT}"
        assert registry.misses == {("0", 1, False), ("0", 1, True)}
        await env.sleep(2 * DAY)  # the next period: reminded again
        assert len(receiver.notices("care_visit_due")) == 4
        await world.tell(registry.end())
        assert await world.handle.result() == "ended"
    assert all(registry.pair_id in n["text"] for n in receiver.taken)


async def test_each_recorded_visit_starts_the_clock_again(
    time_skipping_env: WorkflowEnvironment, gateway: tuple[NoticeGateway, str]
) -> None:
    receiver, url = gateway
    env, queue = time_skipping_env, _queue()
    registry = await new_pair(env, cadence_days=3)
    async with care_worker(env, queue, registry, url):
        world = await start(env, queue, registry)
        await env.sleep(2 * DAY)
        await world.tell(registry.visit("501", (await env.get_current_time()).timestamp()))
        await env.sleep(2 * DAY)  # day 4: the pairing's day 3 has passed, the visit's is day 5
        assert receiver.taken == []
        await env.sleep(DAY + HOUR)
        assert {n["key"].rsplit("/", 2)[0] for n in receiver.taken} == {f"care-pair-{registry.pair_id}/after-501/1"}
        status: CarePairStatus = await world.handle.query(STATUS_QUERY, result_type=CarePairStatus)
        assert (status.reminded, status.escalated) == (1, 0)
        await world.tell(registry.end())
        await world.handle.result()


async def test_a_visit_committed_but_not_yet_relayed_is_found_by_the_reread(
    time_skipping_env: WorkflowEnvironment, gateway: tuple[NoticeGateway, str]
) -> None:
    receiver, url = gateway
    env, queue = time_skipping_env, _queue()
    registry = await new_pair(env, cadence_days=2)
    async with care_worker(env, queue, registry, url):
        world = await start(env, queue, registry)
        await env.sleep(DAY)
        registry.visit("602", (await env.get_current_time()).timestamp())  # committed; the relay is slow
        await env.sleep(DAY + HOUR)  # the pairing's due moment: the re-read finds the visit
        assert receiver.taken == [] and registry.misses == set()
        await env.sleep(DAY)  # the visit's due moment
        assert {n["recipient"] for n in receiver.taken} == {"member:12", "member:13"}
        await world.tell(registry.end())
        await world.handle.result()


async def test_a_notice_that_cannot_get_through_for_six_hours_is_given_up_and_the_office_above_told(
    time_skipping_env: WorkflowEnvironment, gateway: tuple[NoticeGateway, str]
) -> None:
    receiver, url = gateway
    receiver.unavailable_to = {"member:12"}
    env, queue = time_skipping_env, _queue()
    registry = await new_pair(env, cadence_days=1)
    async with care_worker(env, queue, registry, url):
        world = await start(env, queue, registry, grace=12 * HOUR)
        await env.sleep(DAY + 7 * HOUR)
        assert [n["recipient"] for n in receiver.notices("care_visit_due")] == ["member:13"]
        [told] = receiver.notices("care_undelivered")  # a carer not reached: the unit's office hears of it
        assert told["recipient"] == f"org:{UNIT}" and "member:12 could not be told in time" in told["text"]
        refused = [n for n, _ in receiver.received if n["recipient"] == "member:12"]
        assert len(refused) > 10  # retried with back-off all the while, then given up
        receiver.unavailable_to = {f"org:{UNIT}"}
        await env.sleep(12 * HOUR)  # the office's notice (day 1 + 12 h) cannot get through either
        above = [n for n in receiver.notices("care_undelivered") if n["recipient"] == f"org:{PARENT}"]
        assert [n["key"].rsplit("/", 2)[-2:] for n in above] == [[f"org:{UNIT}", "undelivered"]]
        await world.tell(registry.end())
        assert await world.handle.result() == "ended"


async def test_a_long_history_continues_as_new_carrying_the_clock(
    time_skipping_env: WorkflowEnvironment, gateway: tuple[NoticeGateway, str]
) -> None:
    receiver, url = gateway
    env, queue = time_skipping_env, _queue()
    registry = await new_pair(env, cadence_days=3)
    async with care_worker(env, queue, registry, url):
        world = await start(env, queue, registry, history_limit=20)
        first_run = (await world.handle.describe()).run_id
        for n in range(8):
            await env.sleep(DAY)
            await world.tell(registry.visit(f"70{n}", (await env.get_current_time()).timestamp()))
        await env.sleep(3 * DAY + HOUR)  # no visit after the last one: reminded from it
        latest = env.client.get_workflow_handle(world.handle.id)
        assert (await latest.describe()).run_id != first_run
        status: CarePairStatus = await latest.query(STATUS_QUERY, result_type=CarePairStatus)
        assert (status.version, status.reminded) == (registry.version, 1)
        assert {n["key"].rsplit("/", 2)[0] for n in receiver.taken} == {f"care-pair-{registry.pair_id}/after-707/1"}
        await world.tell(registry.end())
        assert await latest.result() == "ended"
