"""Identity errors with stable codes."""

from __future__ import annotations

from chengxin.errors import InvalidInput, NotFound


class ImportNotFound(NotFound):
    code = "population-import-not-found"
    title = "No population import with this id"


class SubjectNotFound(NotFound):
    code = "subject-not-found"
    title = "No person with this ID number is known to the platform"


class NameInvalid(InvalidInput):
    code = "name-invalid"
    title = "A name is 1 to 50 characters: Chinese or Latin letters, middle dot, spaces"


class PhoneInvalid(InvalidInput):
    code = "phone-invalid"
    title = "A phone number is an 11-digit mobile number or a landline with area code"


class RegionInvalid(InvalidInput):
    code = "region-invalid"
    title = "A region code is 6 digits (GB/T 2260)"


class FieldTooLong(InvalidInput):
    code = "field-too-long"
    title = "A field is longer than this platform accepts"
