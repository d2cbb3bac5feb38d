"""Who is asking: staff users with roles, partner organisations, borrowers."""
