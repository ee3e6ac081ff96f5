"""The console's pages, one module each; every route is made with ``auth.page`` or ``auth.action``."""

from courroie.interfaces.web.pages import blocked, catalog, journal, mappings, orders, overview, stock, users

ROUTES = [*overview.routes, *orders.routes, *blocked.routes, *catalog.routes, *stock.routes, *journal.routes,
          *mappings.routes, *users.routes]
