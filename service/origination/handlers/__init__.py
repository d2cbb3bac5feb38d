"""Origination's handlers (published): applicants and referrals, applications through disbursement."""
