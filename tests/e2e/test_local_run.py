"""What `./linli up` and `./linli demo` do, against the test stack: demo data, and the demo's walk of one wish."""

from __future__ import annotations

import pytest
from linli.wishes.v1 import wishes_pb2 as wish

from devstack.__main__ import _demo
from devstack.client import Api
from devstack.demo_data import MEMBERS, PLACES, WISHES, load_demo_data
from devstack.stack import LocalStack


async def test_demo_data_loads_the_designed_places_and_a_second_load_changes_nothing(api: Api) -> None:
    first = await load_demo_data(api, say=lambda _: None)
    second = await load_demo_data(api, say=lambda _: None)
    assert first == second
    assert {"祥富里社区", "共和路社区", "陈仓园社区", "安达社区"} <= set(first.org_units)
    assert len(first.org_units) == len({place[-1] for place in PLACES} | {place[4] for place in PLACES})
    assert len(first.members) == len(MEMBERS) and len(first.wishes) == len(WISHES)
    claimed = await api.wishes.GetWish(wish.GetWishRequest(wish_id=first.wishes["dance"]), metadata=api.admin)
    assert claimed.wish.state == wish.WISH_STATE_CLAIMED
    assert claimed.wish.claimant_member_id == first.members["赵敏"]


async def test_the_demo_walks_one_wish_to_claimed_and_prints_each_step(
    stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await _demo(stack.secrets, stack.ports) == 0
    out = capsys.readouterr().out
    steps = [line.split()[0] for line in out.splitlines() if " state " in line]
    assert steps == ["submit", "review", "publish", "claim"]
    assert "state CLAIMED" in out and "recommended #1" in out
    assert "刘秀英" not in out  # the resident's name is shown masked
