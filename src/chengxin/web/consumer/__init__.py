"""Pages: consumer (issue 8)."""
