"""Servicing's tables: loans, their events and instalments, the ledger, the close of business."""
