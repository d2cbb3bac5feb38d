"""Origination's tables."""
