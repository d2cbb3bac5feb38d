"""Servicing: loans after disbursement, payments, schedules, self-service, close of business."""
