"""No messages at night: a daily window, in the recipients' local time, when nothing is sent.

The window is configuration (for example 21:00 to 08:00 in Europe/Paris). It may cross midnight.
Times are wall-clock times in the window's time zone, so the window follows daylight saving time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class QuietWindow:
    """From ``start`` (included) to ``end`` (excluded), local time in ``zone``, nothing is sent.

    ``start == end`` means no quiet time at all. An ``end`` that does not exist on the day the clocks
    go forward (02:30 in Paris) is read as the standard library reads it: one hour later that day.
    """

    start: time
    end: time
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet window times are wall-clock times; the zone is given separately")

    @classmethod
    def parse(cls, start: str, end: str, zone: str) -> QuietWindow:
        """From configuration text: ``QuietWindow.parse("21:00", "08:00", "Europe/Paris")``."""
        try:
            return cls(time.fromisoformat(start), time.fromisoformat(end), ZoneInfo(zone))
        except ZoneInfoNotFoundError:
            raise ValueError(f"unknown time zone {zone!r}") from None

    @property
    def crosses_midnight(self) -> bool:
        return self.start > self.end

    def _local(self, now: datetime) -> datetime:
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        return now.astimezone(self.zone)

    def is_quiet(self, now: datetime) -> bool:
        """Whether ``now`` (timezone-aware) falls inside the window."""
        clock = self._local(now).time()
        if self.start == self.end:
            return False
        if self.crosses_midnight:
            return clock >= self.start or clock < self.end
        return self.start <= clock < self.end

    def next_allowed_send_time(self, now: datetime) -> datetime:
        """``now`` outside the window; inside it, the moment it ends. The result is in UTC."""
        if not self.is_quiet(now):
            return now.astimezone(UTC)
        local = self._local(now)
        day = local.date()
        if self.crosses_midnight and local.time() >= self.start:
            day += timedelta(days=1)
        end = datetime.combine(day, self.end, tzinfo=self.zone)
        # When the clocks go back ``end`` happens twice: the first one, unless ``now`` is already past it.
        first = end.astimezone(UTC)
        return first if first > now else end.replace(fold=1).astimezone(UTC)
