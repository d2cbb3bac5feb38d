"""Follow-up: plans, contacts and the officers' agenda after disbursement."""
