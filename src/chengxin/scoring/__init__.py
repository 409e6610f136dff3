"""Integrity points (诚信积分) and classification (R6.3): versioned rulesets, explainable scores
with their history, human review (PIPL Art. 24), a policy sandbox and signed city exports."""
