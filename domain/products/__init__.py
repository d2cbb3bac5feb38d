"""Loan products, their versions, and the legal data (ceilings, usury thresholds) they are checked against."""
