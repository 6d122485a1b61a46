"""Gamma."""
