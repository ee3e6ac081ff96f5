"""Stock page of the console."""

from __future__ import annotations

routes: list = []
