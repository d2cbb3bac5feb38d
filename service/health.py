"""Liveness and readiness probes (public: orchestrators call them without credentials)."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from service.kernel.http.guards import PUBLIC
from service.services import Services


class HealthResponse(msgspec.Struct, frozen=True):
    status: Literal["ok", "unavailable"]
    checks: dict[str, bool] = msgspec.field(default_factory=dict)


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", **PUBLIC, operation_id="live", summary="The process is up")
    async def live(self) -> HealthResponse:
        """Answers 200 while the process runs, without touching PostgreSQL or Redis: for a liveness probe."""
        return HealthResponse(status="ok")

    @get(
        "/ready",
        **PUBLIC,
        operation_id="ready",
        summary="PostgreSQL and Redis answer (503 when one does not)",
        responses={
            503: ResponseSpec(
                data_container=HealthResponse, description="a dependency is down", generate_examples=False
            )
        },
    )
    async def ready(self, services: NamedDependency[Services]) -> Response[HealthResponse]:
        """Checks that PostgreSQL and Redis answer; 503 with the failing check named when one does not, so
        a load balancer stops sending traffic."""
        checks = await services.readiness.check()
        ok = all(checks.values())
        return Response(
            HealthResponse(status="ok" if ok else "unavailable", checks=checks), status_code=200 if ok else 503
        )
