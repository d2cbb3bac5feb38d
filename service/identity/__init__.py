"""Identity: staff users, partners and their API keys, borrowers and their one-time codes."""
