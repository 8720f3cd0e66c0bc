"""`./linli demo [wish|alert|activity|report]`: walks the field's work through the running platform over gRPC, on the
demo data (devstack/demo_data.py), printing each step — one wish from the 心愿箱 to claimed, an emergency alert in
祥富里's 365 studio from raised to resolved, the 端午 festival from proposed to signed up, and last week's report of
金台区. Each walk is a new one (its request ids carry a run id), so it can be walked again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from linli.dispatch.v1 import activities_pb2 as act
from linli.dispatch.v1 import dispatch_pb2 as dsp
from linli.registry.v1 import reports_pb2 as rep
from linli.wishes.v1 import wishes_pb2 as wsh

from devstack.client import Api
from devstack.demo_data import DemoData
from services.runtime.enums import name_of
from services.wishes.contract import workflow_id

Walk = Callable[[Api, DemoData, str, int], Awaitable[int]]


def _stamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment)
    return stamp


async def _until(check: Callable[[], Awaitable[object]], seconds: float = 30.0) -> object:
    """The first true answer of `check` within `seconds` (the workflows move on their own), else None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = await check()
        if answer:
            return answer
        await asyncio.sleep(0.5)
    return None


async def walk_wish(api: Api, data: DemoData, run: str, temporal_ui: int) -> int:
    """One new wish through submit → review → publish → claim, with the members recommended for it."""
    community, community_id = "陈仓园社区", data.org_units["陈仓园社区"]

    def show(what: str, wish: wsh.Wish) -> None:
        state = name_of(wsh.WishState, wish.state).upper()
        print(f"{what:<10} wish {wish.id}  state {state:<10} version {wish.version}")

    submitted = await api.wishes.SubmitWish(
        wsh.SubmitWishRequest(
            request_id=f"demo-{run}-submit",
            community_id=community_id,
            text="楼道灯坏了，晚上老人上下楼不方便",
            source=wsh.WISH_SOURCE_WISH_BOX,
            resident_name="刘秀英",
            resident_contact="13800001234",
        ),
        metadata=api.admin,
    )
    wish = submitted.wish
    print(
        f"{community}: 楼道灯坏了，晚上老人上下楼不方便 (resident shown as {wish.resident_name}, {wish.resident_contact})"
    )
    show("submit", wish)
    approval = wsh.Approval(
        category=wsh.WISH_CATEGORY_CONVENIENCE,
        service_standard="三日内修好楼道灯",
        deadline=_stamp(datetime.now(UTC) + timedelta(days=3)),
    )
    review = wsh.ReviewWishRequest(request_id=f"demo-{run}-review", wish_id=wish.id, approve=approval)
    wish = (await api.wishes.ReviewWish(review, metadata=api.admin)).wish
    show("review", wish)
    publish = wsh.PublishWishRequest(request_id=f"demo-{run}-publish", wish_id=wish.id)
    wish = (await api.wishes.PublishWish(publish, metadata=api.admin)).wish
    show("publish", wish)
    recommend = dsp.RecommendClaimantsRequest(wish_id=wish.id, limit=3)
    ranked = (await api.dispatch.RecommendClaimants(recommend, metadata=api.admin)).recommendations
    for place, rec in enumerate(ranked, start=1):
        print(f"  recommended #{place}: {rec.member_name} (score {rec.score:.2f}; {'; '.join(rec.reasons)})")
    if not ranked:
        print(f"linli: nobody is registered in {community}")
        return 1
    claim = wsh.ClaimWishRequest(request_id=f"demo-{run}-claim", wish_id=wish.id, member_id=ranked[0].member_id)
    wish = (await api.wishes.ClaimWish(claim, metadata=api.admin)).wish
    show("claim", wish)
    print(f"claimed by {ranked[0].member_name}")
    history = (await api.wishes.GetWishHistory(wsh.GetWishHistoryRequest(wish_id=wish.id), metadata=api.admin)).events
    print("history:")
    for event in history:
        state = name_of(wsh.WishState, event.state).upper()
        kind = name_of(wsh.WishEventKind, event.kind)
        what = f"→ {state}" if event.kind == wsh.WISH_EVENT_KIND_TRANSITION else kind
        print(f"  {event.time.ToDatetime():%H:%M:%S}  {what:<12} by {event.actor}")
    ui = f"http://127.0.0.1:{temporal_ui}"
    print(f"Its WishLifecycle workflow is {workflow_id(wish.id)} in the Temporal UI ({ui}).")
    return 0


async def walk_alert(api: Api, data: DemoData, run: str, temporal_ui: int) -> int:
    """A fall in 祥富里: the volunteer on duty is called, answers, arrives and resolves it."""
    raise_it = dsp.RaiseAlertRequest(
        request_id=f"demo-{run}-alert",
        kind=dsp.ALERT_KIND_FALL,
        unit_id=data.org_units["祥富里社区"],
        address="3号楼2单元301",
        device_id=f"demo-watch-{run}",
        note="独居老人跌倒报警",
    )
    alert = (await api.dispatch.RaiseAlert(raise_it, metadata=api.admin)).alert
    print(f"祥富里社区: a fall alarm from a smart watch (address shown as {alert.address})")
    print(f"raise      alert {alert.id}  state {name_of(dsp.AlertState, alert.state).upper()}")

    async def called() -> str:
        timeline = (await api.dispatch.GetAlert(dsp.GetAlertRequest(alert_id=alert.id), metadata=api.admin)).timeline
        return next((e.recipient for e in timeline if e.kind == dsp.ALERT_EVENT_KIND_CALLED), "")

    first = str(await _until(called) or "")
    if not first.startswith("member:"):
        print("linli: nobody on duty was called (is the worker running?)")
        return 1
    print(f"called     {first} (on duty now, nearest first)")
    answered = dsp.AcknowledgeAlertRequest(
        request_id=f"demo-{run}-ack", alert_id=alert.id, member_id=first.removeprefix("member:")
    )
    alert = (await api.dispatch.AcknowledgeAlert(answered, metadata=api.admin)).alert
    print(f"answer     alert {alert.id}  state {name_of(dsp.AlertState, alert.state).upper()} by {alert.responder}")
    arrive = dsp.ArriveAlertRequest(request_id=f"demo-{run}-arrive", alert_id=alert.id)
    alert = (await api.dispatch.ArriveAlert(arrive, metadata=api.admin)).alert
    print(f"arrive     alert {alert.id}  state {name_of(dsp.AlertState, alert.state).upper()}")
    resolve = dsp.ResolveAlertRequest(
        request_id=f"demo-{run}-resolve",
        alert_id=alert.id,
        outcome=dsp.ALERT_OUTCOME_HELPED_ON_SITE,
        note="扶起，无大碍",
    )
    alert = (await api.dispatch.ResolveAlert(resolve, metadata=api.admin)).alert
    print(f"resolve    alert {alert.id}  state {name_of(dsp.AlertState, alert.state).upper()}")
    timeline = (await api.dispatch.GetAlert(dsp.GetAlertRequest(alert_id=alert.id), metadata=api.admin)).timeline
    print("timeline:")
    for event in timeline:
        kind = name_of(dsp.AlertEventKind, event.kind)
        print(f"  {event.time.ToDatetime():%H:%M:%S}  {kind:<12} {event.recipient or event.actor}")
    print(f"Its EmergencyDispatch workflow is alert-{alert.id} in the Temporal UI (http://127.0.0.1:{temporal_ui}).")
    return 0


async def walk_activity(api: Api, data: DemoData, run: str, temporal_ui: int) -> int:
    """The 端午 neighbourhood festival: proposed by 祥富里, approved by its street, published, signed up to."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
    propose = act.ProposeActivityRequest(
        request_id=f"demo-{run}-propose",
        org_unit_id=data.org_units["祥富里社区"],
        title="端午邻里节：包粽子",
        kind=act.ACTIVITY_KIND_HOLIDAY,
        place="社区广场",
        start_time=_stamp(start),
        end_time=_stamp(start + timedelta(hours=3)),
        signup_deadline=_stamp(start - timedelta(days=1)),
        capacity=60,
        roles=[act.ActivityRole(name="steward", count=4), act.ActivityRole(name="cook", count=2)],
    )
    activity = (await api.activities.ProposeActivity(propose, metadata=api.admin)).activity

    def show(what: str, a: act.Activity) -> None:
        print(f"{what:<10} activity {a.id}  state {name_of(act.ActivityState, a.state).upper()}")

    print(f"祥富里社区: {activity.title} at {activity.place}, {start:%Y-%m-%d %H:%M} UTC, 60 places")
    show("propose", activity)
    review = act.ReviewActivityRequest(
        request_id=f"demo-{run}-approve", activity_id=activity.id, approve=act.ActivityApproval(note="同意")
    )
    show("approve", (await api.activities.ReviewActivity(review, metadata=api.admin)).activity)

    async def published() -> act.Activity | None:
        got = await api.activities.GetActivity(act.GetActivityRequest(activity_id=activity.id), metadata=api.admin)
        return got.activity if got.activity.state == act.ACTIVITY_STATE_PUBLISHED else None

    on_board = await _until(published)
    if not isinstance(on_board, act.Activity):
        print("linli: the activity was not published (is the worker running?)")
        return 1
    show("publish", on_board)
    volunteer = data.members[next(name for name in data.members)]
    for who, request in (
        ("a resident", act.SignUpRequest(request_id=f"demo-{run}-r1", activity_id=activity.id, resident_ref=f"r-{run}")),
        ("a member as steward", act.SignUpRequest(request_id=f"demo-{run}-m1", activity_id=activity.id, member_id=volunteer, role="steward")),
    ):  # fmt: skip
        try:
            sign_up = (await api.activities.SignUp(request, metadata=api.admin)).sign_up
            print(f"sign up    {who}: {name_of(act.SignUpStatus, sign_up.status)}")
        except grpc.aio.AioRpcError as error:
            print(f"sign up    {who}: refused ({error.code().name}: {error.details()})")
    print(
        f"Its HolidayActivity workflow is activity-{activity.id} in the Temporal UI (http://127.0.0.1:{temporal_ui})."
    )
    return 0


async def walk_report(api: Api, data: DemoData, run: str, temporal_ui: int) -> int:
    """Last week's report of 金台区 and its street, produced now by the WeeklyReports workflow."""
    today = datetime.now(UTC).date()
    last_monday = (today - timedelta(days=today.weekday() + 7)).isoformat()
    district = data.units["金台区"]
    produce = rep.ProduceWeeklyReportsRequest(
        request_id=f"demo-{run}-report", org_unit_id=district, week_start=last_monday
    )
    started = await api.reports.ProduceWeeklyReports(produce, metadata=api.admin)
    print(f"金台区: the week of {last_monday}, produced by workflow {started.workflow_id}")

    async def stored() -> rep.WeeklyReport | None:
        ask = rep.GetWeeklyReportRequest(org_unit_id=district, week_start=last_monday)
        try:
            answer: rep.GetWeeklyReportResponse = await api.reports.GetWeeklyReport(ask, metadata=api.admin)
            return answer.report
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    report = await _until(stored, 60)
    if not isinstance(report, rep.WeeklyReport):
        print("linli: the report was not stored in time (is the worker running?)")
        return 1
    print(f"members registered {report.members_registered}, active {report.members_active}")
    print(f"services (纪实) {report.services}, {report.service_hours:g} hours")
    states = ", ".join(f"{c.name} {c.count}" for c in report.wishes_by_state)
    print(
        f"wishes at the week's end: {states or 'none'}; submitted {report.wishes_submitted}, closed {report.wishes_closed}"
    )
    print(f"alerts raised {report.alerts_raised}, acknowledged {report.alerts_acknowledged}")
    print(f"activities held {report.activities_held}, sign-ups {report.activity_sign_ups}")
    print(f"care pairs {report.care_pairs_active}, visits made {report.care_visits_made}")
    if report.missing_sections:
        print(f"missing: {', '.join(report.missing_sections)}")
    return 0


WALKS: dict[str, Walk] = {"wish": walk_wish, "alert": walk_alert, "activity": walk_activity, "report": walk_report}
