"""Staff accounts, password sign-in, sessions, and authentication of every caller."""
