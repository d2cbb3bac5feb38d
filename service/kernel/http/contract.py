"""The published contract: Litestar's OpenAPI document completed from the routes themselves.

Litestar writes the paths and schemas. This module adds what a partner's generator needs and what
Litestar cannot know by itself, the same way for every operation (a new route gets it for free):
- who may call it (``x-callers`` and a sentence in its description), read from the route's guards;
- the answers every route can give (413/415 with a body, 500, 503), the ``X-Request-ID`` header on
  every answer, ``Location`` on a 201, ``Retry-After`` on 429 and 503;
- examples: the route's own (``request_example=``/``response_example=`` in its decorator) or, where
  it has none, one built from its schema (``service.kernel.http.examples``);
- the problem ``code`` as the closed list of the messages catalogue.
``partner_view`` keeps the operations a partner key may call. Both are served under ``/schema``.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar.enums import OpenAPIMediaType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.routes import HTTPRoute

from domain.identity.model import Role
from service.kernel.http import messages
from service.kernel.http.examples import example_of, problem_example
from service.kernel.http.guards import BORROWER_CALLER, PARTNER_CALLER, PUBLIC_CALLER, callers_of
from service.kernel.http.problems import PROBLEM_MEDIA_TYPE

# The contract's semantic version: a breaking change (tests/contract/test_compatibility.py says
# which) needs a new major version; say what changed in openapi/CHANGELOG.md.
CONTRACT_VERSION = "1.2.0"
METHODS = ("get", "put", "post", "delete", "patch")
PARTNER_PATH = "/partner/openapi.json"

_HEADERS = {
    "X-Request-ID": {
        "description": "the request's id, also in a problem's `request_id`: quote it when reporting an error",
        "schema": {"type": "string"},
    },
    "Location": {"description": "the address of what was created", "schema": {"type": "string"}},
    "Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer", "minimum": 0}},
}
# Each tag of the operations, explained once (the linters want every tag declared).
TAGS = {
    "health": "Probes for load balancers and orchestrators.",
    "auth": "Staff sign-in and who the credentials belong to.",
    "borrowers": "Borrowers' sign-in accounts and their one-time codes.",
    "staff": "Staff users and their roles.",
    "partners": "Partner organisations and their API keys.",
    "products": "Loan products and their versioned terms.",
    "legal": "Legal ceilings and usury thresholds, as data with their dates.",
    "quotes": "Public loan pricing: schedules and TAEG.",
    "referrals": "Partners refer people and follow where they stand.",
    "applicants": "People on the path to a loan and their business projects.",
    "training": "Training programmes, sessions, enrolments and attendance.",
    "applications": "Loan applications from draft to disbursement, with the credit committee.",
    "loans": "Loans and their schedules.",
    "servicing": "Payments, reversals, reschedules and write-offs.",
    "self-service": "What a borrower reads about their own loans.",
    "follow-up": "Following the businesses after the loan: contacts, outcomes, survival.",
    "portfolio": "Portfolio indicators.",
    "notifications": "Reminders and notices that could not be delivered.",
    "partner outcomes": "What became of the people a partner referred: milestones, figures, the change feed.",
    "partner webhooks": "Partners' webhook endpoints, signed deliveries, failures and resends.",
    "privacy": "A person's data: export, rectification, erasure and holds, the audit of reads, consent.",
}
_ALWAYS = (500, 503)  # any route: an unexpected error, or the database or Redis away for a moment
_WITH_BODY = (413, 415)  # a body over MAX_BODY_BYTES, or not JSON


def published_contract(app: Litestar) -> dict[str, Any]:
    """The contract of ``app`` as published (``make openapi``, ``/schema/openapi.json``)."""
    contract = copy.deepcopy(app.openapi_schema.to_schema())
    contract["components"]["headers"] = {name.replace("-", ""): header for name, header in _HEADERS.items()}
    problem = contract["components"]["schemas"]["Problem"]
    problem["properties"]["code"] = {
        "description": "stable for clients: a listed code, or `conflict.<constraint>` for a database conflict",
        "anyOf": [
            {"type": "string", "enum": list(messages.PROBLEM_CODES)},
            {"type": "string", "pattern": messages.CONSTRAINT_CONFLICT_PATTERN},
        ],
    }
    for (path, method), handler in route_handlers(app).items():
        _complete(contract, contract["paths"][path][method], handler)
    used_tags = {tag for item in contract["paths"].values() for op in item.values() for tag in op.get("tags", ())}
    contract["tags"] = [{"name": tag, "description": TAGS[tag]} for tag in TAGS if tag in used_tags]
    return _single_choices_inlined(contract)  # type: ignore[no-any-return]


def _single_choices_inlined(node: Any) -> Any:
    """``{"minItems": 1, "oneOf": [X]}`` as ``{"minItems": 1, **X}``: Litestar writes a lone choice
    for a field that may be left out (``msgspec.UNSET``), which the linters flag as illogical."""
    if isinstance(node, list):
        return [_single_choices_inlined(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _single_choices_inlined(value) for key, value in node.items()}
    for combined in ("oneOf", "anyOf"):
        choices = node.get(combined)
        if isinstance(choices, list) and len(choices) == 1 and not set(choices[0]) & (set(node) - {combined}):
            del node[combined]
            node.update(choices[0])
    return node


def partner_view(contract: dict[str, Any]) -> dict[str, Any]:
    """Only the operations a partner key may call, with the schemas they use."""
    view = copy.deepcopy(contract)
    view["info"]["title"] += " (partners)"
    view["info"]["description"] = "The operations a partner agency may call with its API key (`X-API-Key`)."
    view["paths"] = {
        path: kept
        for path, item in view["paths"].items()
        if (kept := {m: op for m, op in item.items() if PARTNER_CALLER in op.get("x-callers", ())})
    }
    view["security"] = [{"apiKey": []}]
    schemes = view["components"]["securitySchemes"]
    view["components"]["securitySchemes"] = {"apiKey": schemes["apiKey"]}
    used = _referenced_schemas(view)
    view["components"]["schemas"] = {k: v for k, v in view["components"]["schemas"].items() if k in used}
    return view


def route_handlers(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    """Each published operation's handler, by path and (lower-case) method."""
    found = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if handler.resolve_include_in_schema():
                    found.update({(route.path_format, m.lower()): handler for m in handler.http_methods})
    return found


def _complete(contract: dict[str, Any], operation: dict[str, Any], handler: HTTPRouteHandler) -> None:
    callers = callers_of(handler)
    operation["x-callers"] = callers
    operation["description"] = " ".join(filter(None, [operation.get("description", "").strip(), _sentence(callers)]))
    responses = operation["responses"]
    extra = [*_ALWAYS, *(_WITH_BODY if "requestBody" in operation else ())]
    for status in extra:
        responses.setdefault(str(status), _problem_response(status))
    for status, response in responses.items():
        headers = response.setdefault("headers", {})
        names = [
            "X-Request-ID",
            *(["Location"] if status == "201" else []),
            *(["Retry-After"] if status in ("429", "503") else []),
        ]
        headers.update({name: {"$ref": f"#/components/headers/{name.replace('-', '')}"} for name in names})
        for media, content in response.get("content", {}).items():
            if media == PROBLEM_MEDIA_TYPE:
                content["example"] = problem_example(int(status))
            elif "schema" in content and media == "application/json":
                given = handler.opt.get("response_example")
                content["example"] = given if given is not None else example_of(content["schema"], contract)
    if body := operation.get("requestBody", {}).get("content", {}).get("application/json"):
        given = handler.opt.get("request_example")
        body["example"] = given if given is not None else example_of(body["schema"], contract, request=True)


def _sentence(callers: list[str]) -> str:
    if callers == [PUBLIC_CALLER]:
        return "Callers: anyone, no credentials needed."
    roles = [c.removeprefix("staff:") for c in callers if c.startswith("staff:")]
    staff = "any staff member" if len(roles) == len(Role) else f"staff with the role {' or '.join(roles)}"
    parts = [f"{staff} (`Authorization: Bearer`)"] if roles else []
    if PARTNER_CALLER in callers:
        parts.append("a partner's API key (`X-API-Key`)")
    if BORROWER_CALLER in callers:
        parts.append("a borrower's token (`Authorization: Bearer`)")
    return f"Callers: {'; '.join(parts)}."


def _problem_response(status: int) -> dict[str, Any]:
    return {
        "description": messages.TITLES[status][1],
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _referenced_schemas(document: dict[str, Any]) -> set[str]:
    """The component schemas ``document``'s paths use, directly or through other schemas."""
    prefix = "#/components/schemas/"
    schemas = document["components"]["schemas"]
    found: set[str] = set()
    pending = [document["paths"]]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix) and (name := ref[len(prefix) :]) not in found:
                found.add(name)
                pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return found


class ContractJson(OpenAPIRenderPlugin):
    """Serves the published contract (``/schema/openapi.json``) or its partner view, built once."""

    def __init__(self, path: str, *, partners: bool = False) -> None:
        super().__init__(path=path, media_type=OpenAPIMediaType.OPENAPI_JSON)
        self.partners = partners
        self._body: bytes | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if self._body is None:
            contract = published_contract(request.app)
            self._body = msgspec.json.encode(partner_view(contract) if self.partners else contract)
        return self._body
