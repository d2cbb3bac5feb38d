"""A loan's due dates as an iCalendar file (RFC 5545) the borrower imports into their calendar.

One all-day event per instalment of the live schedule (the contract's, or the latest amendment's,
numbered as it numbers them) that still owes something; paid, cancelled, rescheduled and
written-off instalments are left out. Each event's UID is ``<loan_id>-<number>@microcredit``
(``<loan_id>-a<k>-<number>@microcredit`` for amendment k), so importing a newer file updates the
same events instead of adding copies.

Written by hand: the format is small, and RFC 5545 is strict where libraries are lenient. Lines end
with CRLF and are folded at 75 octets (never inside a UTF-8 character); TEXT values escape
backslashes, semicolons, commas and newlines (a French amount has a decimal comma).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, timedelta
from decimal import Decimal

from domain.money import money
from domain.notifications.formatting import format_amount, format_date
from domain.notifications.model import Language
from domain.servicing import InstallmentState
from service.servicing.ports import ScheduleExport

__all__ = ["IcsScheduleRenderer", "escape_text", "fold"]

PRODID = "-//Microcredit//Loan schedule 1.0//EN"
LINE_OCTETS = 75
CRLF = "\r\n"

_STATUS = {
    Language.FR: {"late": "en retard", "due": "à payer", "partially_paid": "partiellement payée", "not_due": "à venir"},
    Language.EN: {"late": "late", "due": "due", "partially_paid": "partly paid", "not_due": "upcoming"},
}


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """``line`` folded (RFC 5545 3.1): at most 75 octets per physical line, the continuation lines
    starting with a space; a UTF-8 character is never split."""
    parts: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append(current)
            current, size, limit = "", 0, LINE_OCTETS - 1  # the leading space counts
        current += char
        size += octets
    parts.append(current)
    return (CRLF + " ").join(parts)


def _uid(loan_id: uuid.UUID, amendment: int, number: int) -> str:
    """Stable per instalment of a schedule: the contract's keep the UIDs files had before
    amendments were told apart; an amendment's instalment n is ``<loan>-a<k>-<n>``."""
    prefix = f"{loan_id}" if amendment == 0 else f"{loan_id}-a{amendment}"
    return f"{prefix}-{number}@microcredit"


def _ics_date(day: date) -> str:
    return day.strftime("%Y%m%d")


class IcsScheduleRenderer:
    """Renders a ``ScheduleExport`` as an iCalendar of the due dates still owing something."""

    def render(self, export: ScheduleExport) -> bytes:
        """The same export always gives the same bytes (DTSTAMP is the export's time)."""
        lines = list(self._lines(export))
        return "".join(fold(line) + CRLF for line in lines).encode()

    def _lines(self, export: ScheduleExport) -> Iterator[str]:
        loan = export.statement.loan
        language = Language(export.language)
        stamp = export.generated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        calendar_name = f"Prêt {loan.id}" if language is Language.FR else f"Loan {loan.id}"
        yield "BEGIN:VCALENDAR"
        yield "VERSION:2.0"
        yield f"PRODID:{PRODID}"
        yield "CALSCALE:GREGORIAN"
        yield "METHOD:PUBLISH"
        yield f"X-WR-CALNAME:{escape_text(calendar_name)}"
        live = export.statement.live_schedule()
        for item in live.installments:
            if item.outstanding > 0:
                yield from self._event(export, live.amendment, item, language, stamp)
        yield "END:VCALENDAR"

    def _event(
        self, export: ScheduleExport, amendment: int, item: InstallmentState, language: Language, stamp: str
    ) -> Iterator[str]:
        loan = export.statement.loan

        def amount(value: Decimal) -> str:
            return format_amount(money(str(value), loan.currency), language)

        due = item.principal_due + item.interest_due + item.fees_due + item.penalties_due
        paid = item.principal_paid + item.interest_paid + item.fees_paid + item.penalties_paid
        status = _STATUS[language].get(item.status.value, item.status.value)
        if language is Language.FR:
            summary = f"Échéance n° {item.number} du prêt : {amount(item.outstanding)}"
            details = [
                f"Échéance n° {item.number} du {format_date(item.due_date, language)} ({status}).",
                f"Montant de l'échéance : {amount(due)}",
                f"Déjà payé : {amount(paid)}",
                f"Reste à payer : {amount(item.outstanding)}",
                f"Prêt n° {loan.id}",
            ]
        else:
            summary = f"Loan instalment {item.number}: {amount(item.outstanding)}"
            details = [
                f"Instalment {item.number} due on {format_date(item.due_date, language)} ({status}).",
                f"Instalment amount: {amount(due)}",
                f"Already paid: {amount(paid)}",
                f"Left to pay: {amount(item.outstanding)}",
                f"Loan {loan.id}",
            ]
        yield "BEGIN:VEVENT"
        yield f"UID:{_uid(loan.id, amendment, item.number)}"
        yield f"DTSTAMP:{stamp}"
        yield f"DTSTART;VALUE=DATE:{_ics_date(item.due_date)}"
        yield f"DTEND;VALUE=DATE:{_ics_date(item.due_date + timedelta(days=1))}"
        yield f"SUMMARY:{escape_text(summary)}"
        yield f"DESCRIPTION:{escape_text(chr(10).join(details))}"
        yield "TRANSP:TRANSPARENT"
        yield "END:VEVENT"
