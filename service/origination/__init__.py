"""Origination: referrals, applicants and projects, applications, committee, offers, disbursement."""
