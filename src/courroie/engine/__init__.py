"""The engine: flow runs, the error table and retries, scheduling."""
