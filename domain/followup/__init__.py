"""Post-creation follow-up: planned contacts after disbursement, their outcomes, business survival."""
