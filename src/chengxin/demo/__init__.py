"""Synthetic demo data: people, organizations, roles. Never any real person's data."""
