"""The double-entry ledger: every money movement is a balanced transaction."""
