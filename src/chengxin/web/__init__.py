"""The web pages (issue 8): server-rendered, Chinese first, English by catalog, HTMX where it
helps; the same services as the API. Areas: ``portal`` (public), ``citizen`` (self-service),
``provider``, ``consumer`` and ``operator`` consoles; shared: ``render``, ``i18n``, ``guards``,
``errors``, ``security``, ``forms``, ``nav``, ``routes``."""
