"""Red and black lists (R7, R8, R9.1): list types, entries through their lifecycle (proposed →
notified → published → exited), enterprise linkage (R8.4) and the public lists.

Ready for the other issue-7 domains:
- ``chengxin.lists.models``: ``ListEntry`` and the ordered, append-only ``ListEntryEvent``
  (migration 0011);
- ``chengxin.lists.memberships.Membership``: a person's place on a list, as the credit state
  (``chengxin.state``) holds it for every view;
- ``tests.lists.fixtures.listed(...)`` drives the real lifecycle to a published entry.
"""

# The job an ingestion batch enqueues when it finishes (``lists.proposals``); named here so the
# ingestion domain need not import the lists service.
PROPOSE_JOB = "lists.propose-from-batch"
