"""Follow-up rules as pure functions: an officer's agenda, business survival, jobs created."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.followup.model import BusinessStatus, Contact, Outcome, add_months
from domain.money import RoundingMode, round_figure

AGENDA_HORIZON = timedelta(days=30)
SURVIVAL_YEARS = (1, 2, 3)


class AgendaStatus(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


def classify(contact: Contact, on: date, horizon: timedelta = AGENDA_HORIZON) -> AgendaStatus | None:
    """Where a contact stands on an officer's agenda for day ``on``: done when its outcome was
    recorded in the ``horizon`` before ``on``; overdue when it fell due before ``on`` without an
    outcome; due when it falls due between ``on`` and ``on + horizon``; otherwise not on the agenda
    (done long ago, or not yet near)."""
    if contact.outcome is not None:
        return AgendaStatus.DONE if on - horizon <= contact.outcome.contacted_on <= on else None
    if contact.due_on is None:
        return None
    if contact.due_on < on:
        return AgendaStatus.OVERDUE
    return AgendaStatus.DUE if contact.due_on <= on + horizon else None


@dataclass(frozen=True)
class BusinessFacts:
    """What the report needs of one followed business: when it started and what its contacts found."""

    start_on: date
    outcomes: tuple[Outcome, ...]


@dataclass(frozen=True)
class Survival:
    """Survival at ``years``: of the ``eligible`` businesses started at least that long ago,
    ``surviving`` were seen active or in difficulty at or after that anniversary without having
    been seen closed before it, ``closed`` were seen closed before it, ``unknown`` were neither
    (no contact since the anniversary). ``rate`` = surviving / eligible, or None with none eligible."""

    years: int
    eligible: int
    surviving: int
    closed: int
    unknown: int

    @property
    def rate(self) -> Decimal | None:
        if not self.eligible:
            return None
        return round_figure(Decimal(self.surviving) / Decimal(self.eligible), 4, RoundingMode.HALF_UP)


def survived(business: BusinessFacts, years: int) -> bool | None:
    """True if the business was alive at its ``years`` anniversary (a contact at or after it says
    active or in difficulty, and none before it says closed); False if it was seen closed before
    the anniversary; None if nobody has looked since."""
    anniversary = add_months(business.start_on, 12 * years)
    if any(o.business_status is BusinessStatus.CLOSED and o.contacted_on < anniversary for o in business.outcomes):
        return False
    if any(o.business_status is not BusinessStatus.CLOSED and o.contacted_on >= anniversary for o in business.outcomes):
        return True
    return None


def survival(businesses: Iterable[BusinessFacts], years: int, on: date) -> Survival:
    """Survival at ``years`` among the businesses that reached that anniversary by ``on``."""
    eligible = [b for b in businesses if add_months(b.start_on, 12 * years) <= on]
    verdicts = [survived(b, years) for b in eligible]
    return Survival(
        years=years,
        eligible=len(eligible),
        surviving=sum(1 for v in verdicts if v is True),
        closed=sum(1 for v in verdicts if v is False),
        unknown=sum(1 for v in verdicts if v is None),
    )


def jobs_created(business: BusinessFacts) -> int:
    """The jobs a business has created, as its latest contact reports them (each contact gives the
    total so far, so contacts are not added up)."""
    if not business.outcomes:
        return 0
    return max(business.outcomes, key=lambda o: o.contacted_on).jobs_created


@dataclass(frozen=True)
class GroupReport:
    key: Hashable
    businesses: int
    survival: tuple[Survival, ...]
    jobs_created: int


def report(grouped: Iterable[tuple[Hashable, BusinessFacts]], on: date) -> list[GroupReport]:
    """Survival at 1, 2 and 3 years and jobs created, per group (product, officer or partner)."""
    groups: dict[Hashable, list[BusinessFacts]] = {}
    for key, business in grouped:
        groups.setdefault(key, []).append(business)
    return [
        GroupReport(
            key=key,
            businesses=len(members),
            survival=tuple(survival(members, years, on) for years in SURVIVAL_YEARS),
            jobs_created=sum(jobs_created(b) for b in members),
        )
        for key, members in sorted(groups.items(), key=lambda item: str(item[0]))
    ]


def agenda(contacts: Sequence[Contact], on: date) -> dict[AgendaStatus, list[Contact]]:
    """The contacts on an agenda, by status, each list in date order."""
    result: dict[AgendaStatus, list[Contact]] = {status: [] for status in AgendaStatus}
    for contact in contacts:
        status = classify(contact, on)
        if status is not None:
            result[status].append(contact)
    for items in result.values():
        items.sort(key=lambda c: (c.outcome.contacted_on if c.outcome else c.due_on or on, c.number))
    return result
