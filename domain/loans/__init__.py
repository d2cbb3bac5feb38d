"""Loans once disbursed: their terms and schedule (servicing builds on this)."""
