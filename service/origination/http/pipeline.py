"""The pipeline's counts: how many people are at each stage and files in each status, exact, for
everyone's book or one officer's (the lists themselves are ``GET /v1/applicants`` and
``GET /v1/applications``, paged)."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from domain.origination.applicants import Stage
from domain.origination.applications import Status
from service.kernel.http.guards import ALL_STAFF, allow
from service.kernel.http.problems import problems
from service.origination.handlers import applications as uc
from service.services import Services


class StageCount(msgspec.Struct, frozen=True):
    stage: Stage
    count: int


class StatusCount(msgspec.Struct, frozen=True):
    status: Status
    count: int


class PipelineCountsResponse(msgspec.Struct, frozen=True):
    stages: Annotated[list[StageCount], msgspec.Meta(description="every stage, in the path's order")]
    statuses: Annotated[list[StatusCount], msgspec.Meta(description="every status, in the file's order")]


class PipelineController(Controller):
    path = "/v1/pipeline"
    tags = ["applications"]

    @get(
        "/counts",
        guards=[allow(*ALL_STAFF)],
        operation_id="getPipelineCounts",
        summary="How many people are at each stage and applications in each status",
        responses=problems(400, 401, 403),
    )
    async def counts(
        self,
        services: NamedDependency[Services],
        officer_id: Annotated[
            uuid.UUID | None, Parameter(description="only the people and files this officer handles")
        ] = None,
    ) -> PipelineCountsResponse:
        """Exact counts (partners' sandbox people left out), every stage and status listed, zero
        included."""
        counted = await uc.count_pipeline(officer_id, uow=services.uow())
        return PipelineCountsResponse(
            stages=[StageCount(stage, count) for stage, count in counted.stages.items()],
            statuses=[StatusCount(status, count) for status, count in counted.statuses.items()],
        )
