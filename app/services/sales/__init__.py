"""Opportunities, campaigns and projects."""
