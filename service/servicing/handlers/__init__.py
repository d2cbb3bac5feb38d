"""Servicing's handlers (published): the loan book, payments and their corrections, self-service."""
