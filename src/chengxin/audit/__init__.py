"""The audit trail: every write appends a hash-chained entry in the same transaction."""
