"""Flows: one module per flow, each read → map → diff → write → record, top to bottom."""
