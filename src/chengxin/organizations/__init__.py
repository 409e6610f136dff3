"""Organizations (by unified social credit code), person–organization roles and API tokens."""
