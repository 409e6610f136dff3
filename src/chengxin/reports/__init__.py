"""Credit reports (R5.2, R6.3): self, authorized and government reports in JSON, HTML and PDF,
numbered, signed and verifiable."""
