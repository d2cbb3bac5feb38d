"""The microcredit service: HTTP API, background jobs and persistence around the domain."""
