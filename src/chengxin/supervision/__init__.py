"""Supervision and assessment (R11): read-only figures over other domains' tables."""
