"""Pages: provider (issue 8)."""
