"""Data exchange for providers: batches, validation, receipts and rejected rows (R2.3, R6.1)."""
