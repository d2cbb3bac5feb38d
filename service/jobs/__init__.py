"""Background jobs (arq): thin tasks calling the same use cases as HTTP."""
