"""A workspace member."""
