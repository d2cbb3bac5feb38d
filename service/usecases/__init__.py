"""Use cases: one async handler per command. They know ports (Protocols), never SQLAlchemy or Litestar."""
