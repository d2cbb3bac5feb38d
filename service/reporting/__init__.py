"""Reporting: portfolio figures and reports (a read model over the loan book)."""
