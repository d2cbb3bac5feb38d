"""Products: loan products and their versions, legal data, quotes."""
