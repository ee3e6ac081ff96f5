"""The reusable pieces of reconciliation: fingerprints, bindings, cursors."""
