"""Notifications to persons (SMS): a sealed outbox and pluggable delivery channels (ADR 0011)."""
