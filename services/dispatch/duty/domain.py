"""Rules of duty rosters (值班表), with no I/O: slots, who is on duty at a minute, absences, gaps and swaps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from services.runtime.errors import InvalidArgument

MINUTES_PER_DAY = 1440
MAX_DAY_SLOTS = 50
MAX_PATTERN_SLOTS = 200
MAX_GAP_DAYS = 92
# Days ListUncoveredDutyDays looks at once (it reads every rostered community of the subtree).
MAX_UNCOVERED_LIST_DAYS = 31
MAX_ABSENCE_DAYS = 366


@dataclass(frozen=True)
class Slot:
    member_id: int  # 0 for a team volunteer
    start_minute: int
    end_minute: int
    # A team volunteer (a resident who is not a party member): the team and the registry's TeamMember id.
    team_id: int = 0
    team_member_id: int = 0

    @property
    def volunteer(self) -> str:
        """Who, as recipients and responders are named: "member:12" or "volunteer:34"."""
        return volunteer_key(self.member_id, self.team_member_id)


@dataclass(frozen=True)
class Volunteer:
    """Who stands a duty, as a roster names them: a member, or a team and its volunteer."""

    member_id: int = 0
    team_id: int = 0
    team_member_id: int = 0

    @property
    def key(self) -> str:
        return volunteer_key(self.member_id, self.team_member_id)

    def stands(self, slot: Slot) -> bool:
        return (slot.member_id, slot.team_id, slot.team_member_id) == (
            self.member_id,
            self.team_id,
            self.team_member_id,
        )


def volunteer_key(member_id: int, team_member_id: int = 0) -> str:
    return f"volunteer:{team_member_id}" if team_member_id else f"member:{member_id}"


def parse_clock(field: str, text: str, *, default: int) -> int:
    """'08:30' -> 510 minutes; '24:00' is the end of the day."""
    text = text.strip()
    if not text:
        return default
    hours, sep, minutes = text.partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and 1 <= len(hours) <= 2):
        raise InvalidArgument(f"'{text[:10]}' is not a time of day such as 08:00", field)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise InvalidArgument(f"'{text}' is not a time of day between 00:00 and 24:00", field)
    return value


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_date(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidArgument(f"'{text[:20]}' is not a date such as 2026-06-19", field) from exc


def parse_days(start_date: str, end_date: str, most: int) -> tuple[date, date]:
    """A period of whole days, both inclusive (`start_date`, `end_date`), of at most `most` days."""
    first, last = parse_date("start_date", start_date), parse_date("end_date", end_date)
    if last < first:
        raise InvalidArgument("must not be before start_date", "end_date")
    if (last - first).days >= most:
        raise InvalidArgument(f"the period may span at most {most} days", "end_date")
    return first, last


def slot_from(
    field: str, member_id: int, start_time: str, end_time: str, team_id: int = 0, team_member_id: int = 0
) -> Slot:
    start = parse_clock(f"{field}.start_time", start_time, default=0)
    end = parse_clock(f"{field}.end_time", end_time, default=MINUTES_PER_DAY)
    if start >= MINUTES_PER_DAY:
        raise InvalidArgument("must be before 24:00", f"{field}.start_time")
    if end <= start:
        raise InvalidArgument("must be after start_time", f"{field}.end_time")
    return Slot(member_id, start, end, team_id, team_member_id)


def on_duty(slots: Sequence[Slot], minute: int) -> list[Slot]:
    """The slots covering the minute, in roster order: the first is the primary, the rest its backups."""
    return [s for s in slots if s.start_minute <= minute < s.end_minute]


def without_away(slots: Sequence[Slot], away: dict[str, list[tuple[int, int]]]) -> list[Slot]:
    """The slots with the minutes [start, end) each volunteer is away cut out of theirs (a slot may split in two),
    in roster order."""
    kept: list[Slot] = []
    for slot in slots:
        pieces = [(slot.start_minute, slot.end_minute)]
        for off_start, off_end in away.get(slot.volunteer, ()):
            pieces = [
                piece
                for start, end in pieces
                for piece in ((start, min(end, off_start)), (max(start, off_end), end))
                if piece[0] < piece[1]
            ]
        kept += [Slot(slot.member_id, start, end, slot.team_id, slot.team_member_id) for start, end in pieces]
    return kept


def away_minutes(
    periods: Iterable[tuple[datetime, datetime]], day_start: datetime, day_end: datetime
) -> list[tuple[int, int]]:
    """The parts of absences [starts, ends) falling on one local day, as minutes of that day (rounded outward: a
    volunteer away for part of a minute is away for all of it)."""
    minutes = []
    for starts, ends in periods:
        start, end = max(starts, day_start), min(ends, day_end)
        if start < end:
            first = int((start - day_start).total_seconds() // 60)
            last = -int(-(end - day_start).total_seconds() // 60)
            minutes.append((first, min(last, MINUTES_PER_DAY)))
    return minutes


def gaps(slots: Sequence[Slot]) -> list[tuple[int, int]]:
    """The stretches of the day [start, end) nobody covers."""
    uncovered: list[tuple[int, int]] = []
    at = 0
    for slot in sorted(slots, key=lambda s: s.start_minute):
        if slot.start_minute > at:
            uncovered.append((at, slot.start_minute))
        at = max(at, slot.end_minute)
    if at < MINUTES_PER_DAY:
        uncovered.append((at, MINUTES_PER_DAY))
    return uncovered


def nobody_all_day(day_gaps: Sequence[tuple[int, int]]) -> bool:
    """An uncovered duty day: one gap, the whole day."""
    return list(day_gaps) == [(0, MINUTES_PER_DAY)]


def local_day(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The day's first moment and the next day's, in the zone."""
    return datetime.combine(day, time(0), tzinfo=zone), datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def duty_gaps(
    days: dict[date, list[Slot]], away: dict[str, list[tuple[datetime, datetime]]], zone: tzinfo
) -> dict[date, list[tuple[int, int]]]:
    """Each day's stretches [start, end) nobody covers, in date order: the rostered but away count as nobody.
    GetDutyGaps and the duty-gap gauge both use this, so they agree."""
    result = {}
    for day, slots in sorted(days.items()):
        start, end = local_day(day, zone)
        away_today = {who: away_minutes(periods, start, end) for who, periods in away.items()}
        result[day] = gaps(without_away(slots, away_today))
    return result


def swap(slots: Sequence[Slot], outgoing: Volunteer, incoming: Volunteer) -> list[Slot]:
    """The day's slots with the one volunteer's duties taken by the other, in the same places."""
    return [
        Slot(incoming.member_id, s.start_minute, s.end_minute, incoming.team_id, incoming.team_member_id)
        if outgoing.stands(s)
        else s
        for s in slots
    ]
