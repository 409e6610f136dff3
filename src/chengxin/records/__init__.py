"""The credit records store: versioned, source-traceable records keyed by the subject."""
