"""Origination's HTTP routes; ``routes()`` is what the app mounts."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from service.origination.http.applicants import ApplicantController, ReferralController
from service.origination.http.applications import ApplicationController, LoanContractController
from service.origination.http.pipeline import PipelineController


def routes() -> list[ControllerRouterHandler]:
    return [ReferralController, ApplicantController, ApplicationController, LoanContractController, PipelineController]
