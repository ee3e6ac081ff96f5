"""Interfaces: the command line and the web console, over the same flows and store."""
