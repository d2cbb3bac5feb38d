"""The credit committee: who may vote or decide on a file (maker-checker), how many votes a decision
needs and which share of them must back it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from domain.errors import RuleViolation
from domain.origination.applications import PREPARING_ACTIONS, Action, Application, HistoryEntry
from domain.products.model import ProductTerms


def check_committee_decider(application: Application, person_id: uuid.UUID, history: Iterable[HistoryEntry]) -> None:
    """Maker-checker: whoever prepared, submitted, reviewed or sent the file to committee neither votes nor
    decides on it, whatever roles they hold."""
    makers = {application.officer_id} | {h.actor_id for h in history if h.action in PREPARING_ACTIONS}
    if person_id in makers:
        raise RuleViolation(
            "whoever prepared, reviewed or referred this file cannot vote or decide on it",
            code="committee.decider_conflict",
            field="decision",
        )


@dataclass(frozen=True)
class CommitteeRules:
    """How many votes a decision needs (``quorum``) and which share of them must back it: strictly more than
    ``majority_percent`` of the round's votes (50 is a simple majority). Set in settings, or by product version."""

    quorum: int = 2
    majority_percent: Decimal = Decimal(50)

    def for_product(self, terms: ProductTerms) -> CommitteeRules:
        """These rules, with what the product version sets for itself."""
        return CommitteeRules(
            quorum=terms.committee_quorum if terms.committee_quorum is not None else self.quorum,
            majority_percent=Decimal(terms.committee_majority_percent)
            if terms.committee_majority_percent is not None
            else self.majority_percent,
        )


class Vote(StrEnum):
    """A committee member's vote, and the committee's decision: the file's three committee actions."""

    APPROVE = Action.APPROVE.value
    REJECT = Action.REJECT.value
    REQUEST_CHANGES = Action.REQUEST_CHANGES.value


V = TypeVar("V")


def current_votes(ballots: Iterable[tuple[uuid.UUID, V]]) -> dict[uuid.UUID, V]:
    """One vote per member: of a round's ballots, in the order cast, each member's latest replaces the earlier."""
    latest: dict[uuid.UUID, V] = {}
    for member_id, value in ballots:
        latest[member_id] = value
    return latest


def check_committee_votes(
    decision: Action, votes: dict[uuid.UUID, str], rules: CommitteeRules, against_votes_reason: str | None
) -> dict[str, int]:
    """The round's tally, once the votes reach the quorum and a majority backs ``decision``; a decision
    the majority does not back needs a stated reason."""
    tally = {value.value: sum(1 for v in votes.values() if v == value) for value in Vote}
    if len(votes) < rules.quorum:
        raise RuleViolation(
            f"{len(votes)} member(s) voted in this round; a decision needs at least {rules.quorum}",
            code="committee.quorum_not_reached",
            field="decision",
        )
    backing = Decimal(tally[decision.value]) * 100
    if backing <= rules.majority_percent * len(votes) and not against_votes_reason:
        raise RuleViolation(
            f"{tally[decision.value]} of {len(votes)} votes back this decision (more than "
            f"{rules.majority_percent} % needed); state why the committee decides against its votes",
            code="committee.decision_against_votes",
            field="against_votes_reason",
        )
    return tally
