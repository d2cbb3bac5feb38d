"""The committed partner contract is the app's own, and every operation is fully described."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from service.cli import ROOT, write_openapi

CONTRACT = ROOT / "openapi" / "openapi.json"
METHODS = {"get", "post", "put", "patch", "delete"}


def _generated(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    target = tmp_path / "openapi.json"
    write_openapi(target)
    return json.loads(target.read_text())  # type: ignore[no-any-return]


def generated_contract() -> dict:  # type: ignore[type-arg]
    """The contract as `make openapi` writes it."""
    with tempfile.TemporaryDirectory() as folder:
        return _generated(Path(folder))


def test_committed_contract_matches_the_app(tmp_path: Path) -> None:
    committed = json.loads(CONTRACT.read_text())
    assert committed == _generated(tmp_path), "run `make openapi` and commit openapi/openapi.json"


def test_every_operation_has_id_summary_tag_and_documented_errors(tmp_path: Path) -> None:
    spec = _generated(tmp_path)
    operation_ids = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("operationId"), where
            assert operation.get("summary"), where
            assert operation.get("tags"), where
            operation_ids.append(operation["operationId"])
            statuses = set(operation["responses"])
            if path.startswith("/health"):
                continue
            assert statuses & {"400", "401", "404", "422"}, f"{where} documents no error response"
            if operation.get("security") != [{}]:  # [{}] marks a public operation
                assert "401" in statuses, f"{where} does not document 401"
    assert len(operation_ids) == len(set(operation_ids)), "operation ids must be unique"


def test_partner_kinds_are_a_closed_list_in_the_contract(tmp_path: Path) -> None:
    from domain.identity.model import PARTNER_KINDS

    kind = _generated(tmp_path)["components"]["schemas"]["CreatePartnerRequest"]["properties"]["kind"]
    assert kind["enum"] == sorted(PARTNER_KINDS)
