"""The service-window check (联合奖惩核查, issue 7): a public body names persons, a scene and a
purpose; the platform answers with their list memberships and the joint measures that apply,
each with its reasons and legal basis, registers the check (one audit entry the persons can see)
and collects the department's feedback on what it applied (R11)."""
