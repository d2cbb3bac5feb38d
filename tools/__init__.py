"""Developer tooling: embedded servers and the `make run` / `make test` orchestration."""
