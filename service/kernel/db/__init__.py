"""Database pieces every context's repositories share."""
