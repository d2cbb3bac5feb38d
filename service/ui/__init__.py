"""The officers' web pages: server-rendered, on the same use cases as the API (see README.md here)."""
