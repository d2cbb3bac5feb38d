"""What a context publishes to the worker: its arq tasks and when they run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# ``ctx`` first, then the job's own primitive arguments if any.
Task = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Job:
    """An arq task (its name is the function's) and, for a periodic one, arq's ``cron`` options.

    A task reads what it needs from arq's ``ctx``, which the worker fills (``service.wiring``):
    ``settings``, ``uow``, ``engine``-bound adapters, ``channels``, ``redis``."""

    task: Task
    cron: Mapping[str, Any] | None = field(default=None)
