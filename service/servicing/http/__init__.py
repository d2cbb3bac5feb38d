"""Servicing's HTTP routes; ``routes()`` is what the app mounts."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from service.servicing.http.loans import LoanController
from service.servicing.http.payments import ServicingController
from service.servicing.http.self_service import BorrowerLoanController, ScheduleFileController


def routes() -> list[ControllerRouterHandler]:
    return [LoanController, ServicingController, ScheduleFileController, BorrowerLoanController]
