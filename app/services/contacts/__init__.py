"""Contacts and organisations: their rules, photos."""
