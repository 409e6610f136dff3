"""Durable jobs and periodic schedules on the platform's own database (ADR 0014): deadlines are
data swept by jobs, never in-memory timers."""
