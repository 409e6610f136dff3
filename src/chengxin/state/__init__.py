"""A person's credit state: one rule (``rule``), one stored row per person (``service``)."""
