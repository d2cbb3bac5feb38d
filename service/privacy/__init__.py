"""Personal data: access, export, rectification, erasure and retention, consent, audit of reads."""
