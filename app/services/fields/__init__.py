"""Configurable fields (A5): definitions, values, queries, administration."""
