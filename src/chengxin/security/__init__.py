"""Authentication, permissions and the acting party (Actor)."""
