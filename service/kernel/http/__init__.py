"""HTTP pieces every context's routes share."""
