"""Training: programmes, sessions, enrolments and attendance."""
