"""Notifications: notices planned into an outbox and delivered by e-mail, SMS or the log."""
