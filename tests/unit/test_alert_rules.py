"""Alert rules with no I/O: whom an alert calls in what order, the hours a responder is credited with, and how its
address and device are masked."""

from __future__ import annotations

from services.dispatch.alerts import domain as alert_rules
from services.dispatch.matching import domain as matching


def test_the_call_order_is_nearest_first_then_roster_order_and_each_member_once() -> None:
    on_duty = [("member:30", matching.NEAR_COMMUNITY, 0), ("member:20", matching.NEAR_GRID, 1)]
    on_duty += [("member:10", matching.NEAR_BUILDING, 2), ("volunteer:40", matching.NEAR_GRID, 3)]
    on_duty += [("member:30", matching.NEAR_COMMUNITY, 4)]
    assert alert_rules.call_order(on_duty) == [
        ("member:10", matching.NEAR_BUILDING),
        ("member:20", matching.NEAR_GRID),
        ("volunteer:40", matching.NEAR_GRID),
        ("member:30", matching.NEAR_COMMUNITY),
    ]


def test_service_hours_are_quarter_hours_and_at_least_one() -> None:
    assert alert_rules.service_hours(0) == 0.25
    assert alert_rules.service_hours(900) == 0.25
    assert alert_rules.service_hours(901) == 0.5
    assert alert_rules.service_hours(3 * 3600) == 3.0


def test_an_alerts_address_and_device_id_are_masked_past_recognition() -> None:
    assert alert_rules.mask_address("2单元301") == "2单****"
    assert alert_rules.mask_address("") == ""
    assert alert_rules.mask_address("幸福里小区12号楼3单元502室").startswith("幸福里小区")
    assert alert_rules.mask_device_id("nanny-0042") == "******0042"
    assert alert_rules.mask_device_id("0042") == "****"
