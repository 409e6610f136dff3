"""Cache invalidation across processes: version rows per topic, a watcher per process (ADR 0034)."""
