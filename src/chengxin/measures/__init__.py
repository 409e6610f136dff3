"""Joint incentive and punishment measures (奖惩措施, R7, R8): the published catalog with each
measure's legal basis, and which measures apply to a subject in a scene (``service.applicable``),
read by the service-window check (``chengxin.checks``)."""
