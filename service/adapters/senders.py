"""Where a borrower's one-time login code goes. Development prints it to the log."""

from __future__ import annotations

import structlog

from domain.identity.model import Borrower

log = structlog.get_logger()


class LogLoginCodeSender:
    """Development sender: the code is logged (it is not personal data); the address is not."""

    async def send(self, borrower: Borrower, code: str) -> None:
        log.info("borrower_login_code_issued", borrower_id=str(borrower.id), one_time_code_dev_only=code)
