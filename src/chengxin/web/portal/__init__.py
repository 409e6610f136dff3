"""Pages: portal (issue 8)."""
