"""Citizens' real-name sign-in: population registry check and a one-time code (R1.3)."""
