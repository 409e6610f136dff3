"""Operational endpoints: liveness, readiness, the landing page."""
