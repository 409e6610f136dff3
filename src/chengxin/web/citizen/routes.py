"""Pages of the citizen's self-service (``/me``): thin handlers calling the same services as the
API's ``/api/v1/me/…`` routes, the same way (the same ``actor=``, policies from settings).

Every page is the signed-in person's own: the subject is always the session's (``audit.
own_subject``), never one named in the URL; paths carry only row UUIDs.
"""

from __future__ import annotations

from litestar import Controller

from chengxin.web.citizen.cases import CitizenObjections, CitizenRepairs
from chengxin.web.citizen.overview import CitizenHome, CitizenQueries, CitizenReport
from chengxin.web.citizen.rights import CitizenGrants, CitizenMore
from chengxin.web.citizen.signin import CitizenSignInPages

CONTROLLERS: list[type[Controller]] = [
    CitizenSignInPages,
    CitizenHome,
    CitizenReport,
    CitizenQueries,
    CitizenObjections,
    CitizenRepairs,
    CitizenGrants,
    CitizenMore,
]
