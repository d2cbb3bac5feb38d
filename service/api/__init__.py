"""HTTP API: controllers, msgspec schemas, authentication guards and the error table."""
