"""Origination: referrals, applicants and their projects, applications, committee, offers, disbursement."""
