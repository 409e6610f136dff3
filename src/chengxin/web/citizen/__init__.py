"""Pages: citizen (issue 8)."""
