"""Access control for credit data (R3, R4): permission lists, subject authorizations, registered
queries with review, and monitoring of use."""
