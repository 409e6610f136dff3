"""Pages: operator (issue 8)."""
