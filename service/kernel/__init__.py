"""The shared kernel: what every context uses and nothing context-specific."""
