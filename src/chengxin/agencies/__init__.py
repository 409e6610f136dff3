"""Credit agencies (征信机构) under oversight: registry, staff, violations, blacklist (R3.5)."""
