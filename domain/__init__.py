"""The business core: pure, synchronous, standard library and py-moneyed only."""
