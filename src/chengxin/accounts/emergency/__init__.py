"""Emergency mechanism (R3.4): freeze a token or an organization at once; platform lockdown."""
