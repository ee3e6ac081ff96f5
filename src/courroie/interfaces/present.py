"""How the CLI and the demo show things: rich tables and progress bars."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()


class RichProgress:
    """A progress bar per (flow, connection) run, fed by the runs' record counts."""

    def __init__(self) -> None:
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=console, transient=False)
        self.tasks: dict[int, int] = {}

    def _task(self, run) -> int:
        if id(run) not in self.tasks:
            self.tasks[id(run)] = self.bar.add_task(f"{run.flow} → {run.connection}", total=None)
        return self.tasks[id(run)]

    def expect(self, run, total: int) -> None:
        self.bar.update(self._task(run), total=total)

    def advance(self, run, n: int) -> None:
        self.bar.advance(self._task(run), n)

    def __enter__(self) -> RichProgress:
        if os.environ.get("COURROIE_NO_PROGRESS"):
            return self
        self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.stop()


def print_runs(runs: list[dict], *, title: str, lag: bool = False) -> None:
    table = Table("connection", "flow", "started (UTC)", "result", "counts", *(["lag"] if lag else []), "message",
                  title=title)
    for run in runs:
        colour = {"ok": "green", "partial": "yellow", "failed": "red"}.get(run["status"], "white")
        counts = ", ".join(f"{k} {v}" for k, v in sorted((run.get("counts") or {}).items()) if v)
        extra = [_age(run.get("lag"))] if lag else []
        table.add_row(run["connection"], run["flow"], when(run["started_at"]),
                      f"[{colour}]{run['status']}[/{colour}]", counts, *extra, run.get("message") or "")
    console.print(table)


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "never ok"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
