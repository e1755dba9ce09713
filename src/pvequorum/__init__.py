"""pvequorum."""
