"""Origination's repositories."""
