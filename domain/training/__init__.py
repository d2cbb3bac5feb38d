"""Pre-loan trainings: programmes run by providers, their sessions (cohorts), enrolments, attendance."""
