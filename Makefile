# Two commands do all the set-up on a fresh machine that has Python 3.11+:
#   make run   - embedded PostgreSQL and Redis (unless DATABASE_URL / REDIS_URL are set), migrations,
#                demo data, the API on http://127.0.0.1:8000 and the arq worker. Ctrl-C stops it all.
#   make test  - linter, type checker, import rules, then the whole test suite on real servers.
# The Makefile fetches uv (the Python package manager) into .tools/ when it is not on the PATH.

UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
PYTHON ?= python3

.PHONY: run test lint test-only openapi bench sync compile clean close-of-business

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(CURDIR)/.tools "uv==$(UV_VERSION)"

sync: $(UV)
	$(UV) sync --frozen --quiet

# The schedule engine compiled to C with mypyc when a C compiler exists (pure Python otherwise),
# into build/mypyc/ (never beside the sources).
compile: sync
	$(UV) run --frozen python -m tools.compile_engine

run: compile
	$(UV) run --frozen python -m tools dev

# The close of business by hand, for a day that is over (without DATE: every day not closed yet up
# to yesterday in the lender's time zone); on the embedded servers of `make run` unless DATABASE_URL is set.
close-of-business: compile
	$(UV) run --frozen python -m tools close-of-business $(if $(DATE),--date $(DATE))

# The last three lines check deploy/ (the Kubernetes schemas are checked by tests/deploy/).
lint: sync
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check service domain tools migrations/env.py
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports --no-cache
	$(UV) run --frozen yamllint --strict -c deploy/yamllint.yaml deploy
	$(UV) run --frozen hadolint deploy/Dockerfile
	$(UV) run --frozen shellcheck deploy/k8s/rollout.sh

test-only: compile
	$(UV) run --frozen pytest $(PYTEST_ARGS)

test: lint test-only

openapi: sync
	$(UV) run --frozen python -m service openapi

bench: compile
	$(UV) run --frozen python -m tests.perf

clean:
	rm -rf .local .tools .venv build
