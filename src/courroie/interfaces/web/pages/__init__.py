"""The console's pages, one module each; every route is made with ``auth.page`` or ``auth.action``."""

from courroie.interfaces.web.pages import overview, users

ROUTES = [*overview.routes, *users.routes]
