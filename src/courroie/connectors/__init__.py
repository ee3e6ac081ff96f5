"""Connectors: one folder per system, each speaking only its own protocol and keeping no state."""
