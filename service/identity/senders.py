"""Where a borrower's one-time login code goes. Development prints it to the log."""

from __future__ import annotations

import structlog

from domain.identity.model import Borrower

log = structlog.get_logger()


class LogLoginCodeSender:
    """Until e-mail and SMS senders exist: development logs the code so that a developer can sign in;
    anywhere else the code is never written (anyone reading logs could sign in as the borrower)."""

    def __init__(self, *, include_code: bool) -> None:
        self.include_code = include_code

    async def send(self, borrower: Borrower, code: str) -> None:
        if self.include_code:
            log.info("borrower_login_code_issued", borrower_id=str(borrower.id), one_time_code_dev_only=code)
        else:
            log.warning(
                "borrower_login_code_not_delivered",
                borrower_id=str(borrower.id),
                reason="no message channel configured",
            )
