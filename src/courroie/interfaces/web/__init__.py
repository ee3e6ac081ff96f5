"""The web console: sign-in, overview, orders, blocked list, catalog, stock, journal, mappings, users."""
