from __future__ import annotations

from chengxin.errors import Conflict, Forbidden, InvalidInput, NotFound
from chengxin.ratelimit import RateLimited


class ListTypeUnknown(InvalidInput):
    code = "list-type-unknown"
    title = "No such list type"


class ListTypeInvalid(InvalidInput):
    code = "list-type-invalid"
    title = "A list type is incomplete (a legal basis, standard and exit conditions are required)"


class ListEntryNotFound(NotFound):
    code = "list-entry-not-found"
    title = "No such list entry"


class ListEntryInputInvalid(InvalidInput):
    code = "list-entry-input-invalid"
    title = "The list entry is not complete"


class ListRecordNotUsable(InvalidInput):
    code = "list-record-not-usable"
    title = "A record named is not yours, not current, or not about this subject"


class ListProposerNotAllowed(Forbidden):
    code = "list-proposer-not-allowed"
    title = "Your organization may not propose entries on this list"


class ListEntryAlreadyOpen(Conflict):
    code = "list-entry-already-open"
    title = "This subject already has an open or published entry on this list"


class ListEntryWrongState(Conflict):
    code = "list-entry-wrong-state"
    title = "The entry is not in a state that allows this step"


class ListObjectionWindowOpen(Conflict):
    code = "list-objection-window-open"
    title = "The objection window has not ended; the entry cannot be published yet"


class ListRecordInDispute(Conflict):
    code = "list-record-in-dispute"
    title = "An objection to an underlying record is open; answer it before publishing"


class ListEntryNotYours(Forbidden):
    code = "list-entry-not-yours"
    title = "This entry was proposed by another organization"


class ListSearchInvalid(InvalidInput):
    code = "list-search-invalid"
    title = "Search by an exact ID number or credit code, or by a full name"


class ListSubjectMinor(InvalidInput):
    code = "list-subject-minor"
    title = "Minors are never put on this list"


class ListSearchRateLimited(RateLimited):
    code = "list-search-rate-limited"
    title = "Too many list searches from this client; try again later"
