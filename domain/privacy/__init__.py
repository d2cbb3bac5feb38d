"""Personal data rules: retention periods, when erasure is refused, what the audit records."""
