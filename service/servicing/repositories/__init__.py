"""Servicing's repositories."""
