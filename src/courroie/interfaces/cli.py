"""The `courroie` command."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from courroie.config import HubConfig, load_config
from courroie.errors import ConfigError
from courroie.interfaces.present import RichProgress, console, print_runs, when
from courroie.sandbox.tryton.contract import DEFAULT_N_PRODUCTS
from courroie.interfaces.logs import setup_logging

app = typer.Typer(help="courroie: one ERP, many shops, kept in step.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False)
blocked_app = typer.Typer(help="Records that could not go through: list, show, retry, skip.", no_args_is_help=True)
sandbox_app = typer.Typer(help="Local systems for the demo and the tests.", no_args_is_help=True)
orders_app = typer.Typer(help="Shop orders the hub holds: list the held ones, approve one.", no_args_is_help=True)
app.add_typer(blocked_app, name="blocked")
app.add_typer(orders_app, name="orders")
users_app = typer.Typer(help="Who may use the web console, with which role.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(sandbox_app, name="sandbox")

ConfigOption = Annotated[Path, typer.Option("--config", "-c", envvar="COURROIE_CONFIG",
                                            help="Configuration file (YAML).")]
DEFAULT_CONFIG = Path("courroie.yaml")
FLOW_NAMES = ("catalog", "prices", "stock", "orders", "status")


def _config(path: Path) -> HubConfig:
    try:
        return load_config(path)
    except ConfigError as error:
        console.print(f"[red]configuration error[/red] {error}")
        raise typer.Exit(2) from None


def _hub(path: Path, **kwargs):
    from courroie.engine.hub import Hub
    return Hub.open(_config(path), **kwargs)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False) -> None:
    setup_logging(logging.INFO if verbose else logging.WARNING)


@app.command()
def init(path: Annotated[Path, typer.Argument(help="Where to write the example.")] = DEFAULT_CONFIG,
         force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False) -> None:
    """Write a commented example configuration."""
    if path.exists() and not force:
        console.print(f"[yellow]{path} exists[/yellow]; use --force to overwrite it")
        raise typer.Exit(1)
    example = Path(__file__).parent.parent / "templates" / "courroie.example.yaml"
    path.write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    console.print(f"wrote {path}: set the environment variables it names, then run [bold]courroie check[/bold]")


@app.command()
def check(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Test every connection: reachable, authenticated, version, permissions."""
    from courroie.interfaces.operations import check_connections
    results = asyncio.run(check_connections(_config(config)))
    table = Table("connection", "check", "result", "detail / how to fix", title="courroie check")
    failed = False
    for name, checks in results.items():
        for result in checks:
            failed |= not result.ok
            mark = ("[yellow]warning[/yellow]" if result.warning else "[green]ok[/green]") if result.ok \
                else "[red]FAILED[/red]"
            detail = result.detail if result.ok and not result.warning else f"{result.detail} → {result.fix}".strip(" →")
            table.add_row(name, result.what, mark, detail)
    console.print(table)
    raise typer.Exit(1 if failed else 0)


@app.command()
def sync(flow: Annotated[str, typer.Argument(help="catalog | prices | stock | orders | status")],
         shop: Annotated[Optional[str], typer.Option(help="Only this shop.")] = None,
         dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would change; write nothing.")] = False,
         config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Run one flow now, for every shop or one."""
    if flow not in FLOW_NAMES:
        console.print(f"[red]unknown flow {flow!r}[/red]; expected one of {', '.join(FLOW_NAMES)}")
        raise typer.Exit(2)
    from courroie.interfaces.operations import run_flow
    with RichProgress() as progress:
        hub = _hub(config, progress=progress)
        runs = asyncio.run(run_flow(hub, flow, shop=shop, dry_run=dry_run))
    print_runs(runs, title=f"{flow}{' (dry run)' if dry_run else ''}")
    if any(run["status"] == "failed" for run in runs):
        raise typer.Exit(1)


@app.command("run")
def run_service(host: Annotated[str, typer.Option(help="Address of /healthz and /metrics.")] = "127.0.0.1",
                port: Annotated[int, typer.Option(help="Port of /healthz and /metrics.")] = 8400,
                grace: Annotated[float, typer.Option(help="Seconds runs in hand get to end on SIGTERM.")] = 30,
                log_format: Annotated[str, typer.Option(help="json (one object per line) or text.")] = "json",
                config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Run every flow for every shop on its schedule, until SIGTERM or Ctrl-C."""
    from courroie.engine.lock import AlreadyRunning
    from courroie.interfaces.service import EXIT_LOCKED, EXIT_PORT, PortTaken, serve
    if log_format not in ("json", "text"):
        console.print("[red]--log-format is json or text[/red]")
        raise typer.Exit(2)
    setup_logging(logging.INFO, json=log_format == "json", quiet=True)
    try:
        asyncio.run(serve(_config(config), host=host, port=port, grace=grace))
    except AlreadyRunning as error:
        typer.echo(f"courroie run: {error}", err=True)
        raise typer.Exit(EXIT_LOCKED) from None
    except PortTaken as error:
        typer.echo(f"courroie run: {error}", err=True)
        raise typer.Exit(EXIT_PORT) from None


@app.command()
def status(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Per shop and flow: last run, result, counts and lag; connections; what needs a person."""
    from courroie.interfaces.operations import status_report
    report = status_report(_hub(config))
    print_runs(report["runs"], title="last runs", lag=True)
    health = Table("connection", "status", "message", title="connections")
    for name, row in report["connections"].items():
        colour = "green" if row["status"] == "ok" else "red"
        health.add_row(name, f"[{colour}]{row['status']}[/{colour}]", row["message"] or "")
    console.print(health)
    inbox = Table("shop", "state", "orders", title="order inbox")
    for (shop, state), count in sorted(report["inbox"].items()):
        inbox.add_row(shop, state, str(count))
    console.print(inbox)
    console.print(f"blocked records waiting for a person: [bold]{report['blocked']}[/bold]")


@app.command()
def journal(record: Annotated[Optional[str], typer.Option(help="A SKU, or SHOP/ORDER-REFERENCE.")] = None,
            shop: Annotated[Optional[str], typer.Option(help="Only this connection.")] = None,
            flow: Annotated[Optional[str], typer.Option()] = None,
            limit: Annotated[int, typer.Option()] = 50,
            config: ConfigOption = DEFAULT_CONFIG) -> None:
    """What happened, newest first; with --record, the whole story of one record."""
    from courroie.store import Store
    from courroie.store.journal import Journal
    rows = Journal(Store(_config(config).store)).history(record=record, connection=shop, flow=flow, limit=limit)
    table = Table("when (UTC)", "connection", "flow", "record", "action", "message", title="journal")
    for row in rows:
        table.add_row(when(row["at"]), row["connection"], row["flow"], row["record"] or "", row["action"],
                      row["message"])
    console.print(table)


@app.command()
def plan(flow: Annotated[str, typer.Argument(help="catalog | prices")],
         shop: Annotated[Optional[str], typer.Option(help="Only this shop.")] = None,
         limit: Annotated[int, typer.Option(help="Records shown per shop.")] = 40,
         config: ConfigOption = DEFAULT_CONFIG) -> None:
    """What a sync would create, update (which fields, old → new) and deactivate; writes nothing."""
    from courroie.interfaces.operations import plan_flow
    if flow not in ("catalog", "prices"):
        console.print("[red]plan covers catalog and prices[/red]")
        raise typer.Exit(2)
    plans = asyncio.run(plan_flow(_hub(config), flow, shop=shop))
    for connection, result in plans.items():
        counts = ", ".join(f"{k} {v}" for k, v in sorted(result["counts"].items()) if v)
        console.print(f"[bold]{connection}[/bold] ({result['status']}): {counts or 'nothing to do'} {result['message']}")
        table = Table("record", "action", "field", "now", "would be", title=f"{flow} plan for {connection}")
        rows = [(entry, field, change) for entry in result["planned"]
                for field, change in (entry.get("changes") or {"": ("", "")}).items()]
        for entry, field, (old, new) in rows[:limit]:
            table.add_row(entry["record"], entry["action"], field, _short(old), _short(new))
        if result["planned"]:
            console.print(table)
        if len(rows) > limit:
            console.print(f"… and {len(rows) - limit} more changes")


@app.command()
def explain(sku: str, shop: Annotated[str, typer.Option(help="The shop.")],
            config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Why a shop shows what it shows for one SKU: each value, its origin, its owner, when it was sent."""
    from courroie.interfaces.operations import explain as explain_sku
    report = asyncio.run(explain_sku(_hub(config), sku, shop))
    if not report["published"] and not report["shop_id"]:
        console.print(f"{sku} is not published in {shop} (not in the ERP, not in its assortment, or blocked: "
                      f"see `courroie blocked list --shop {shop}`)")
    console.print(f"[bold]{sku}[/bold] in [bold]{shop}[/bold]: shop id {report['shop_id']}, "
                  f"last sent {when(report['last_sent'])} UTC; shop {report['shop_read']}")
    table = Table("field", "value sent", "origin", "owner", "in the shop now", title="published values")
    for row in report["fields"]:
        table.add_row(row["field"], _short(row["value"], 60), row["origin"], row["owner"], _short(row["in_shop"], 40))
    console.print(table)
    if report["base_price"] is not None:
        console.print(f"base price (prices flow): {report['base_price']}")
    for rule in report["price_rules"]:
        console.print(f"price rule {rule['id']}: {_short(rule, 120)}")
    if report["stock"]:
        console.print(f"stock published: {report['stock']['quantity']} (sent {when(report['stock']['sent'])} UTC)")
    history = Table("when (UTC)", "flow", "action", "message", title="history in this shop")
    for row in report["history"]:
        history.add_row(when(row["at"]), row["flow"], row["action"], row["message"])
    console.print(history)


def _short(value, width: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


@blocked_app.command("list")
def blocked_list(shop: Annotated[Optional[str], typer.Option()] = None,
                 flow: Annotated[Optional[str], typer.Option()] = None,
                 state: Annotated[str, typer.Option(help="open | resolved | skipped")] = "open",
                 config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Blocked records and why."""
    from courroie.store import Store
    from courroie.store.blocked import BlockedList
    rows = BlockedList(Store(_config(config).store)).list(state=state, connection=shop, flow=flow)
    table = Table("id", "connection", "flow", "record", "attempts", "since (UTC)", "reason", title=f"blocked ({state})")
    for row in rows:
        table.add_row(str(row["id"]), row["connection"], row["flow"], row["record"], str(row["attempts"]),
                      when(row["created_at"]), row["reason"])
    console.print(table)


@blocked_app.command("show")
def blocked_show(entry: int, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """One blocked record: reason, details and payload."""
    from courroie.store import Store
    from courroie.store.blocked import BlockedList
    row = BlockedList(Store(_config(config).store)).get(entry)
    if row is None:
        console.print(f"[red]no blocked entry {entry}[/red]")
        raise typer.Exit(1)
    for key in ("id", "connection", "flow", "record", "state", "attempts", "reason", "details", "comment"):
        console.print(f"[bold]{key}[/bold]: {row[key]}")
    console.print("[bold]payload[/bold]:")
    console.print(row["payload"] or "(none)", markup=False, highlight=False)


@blocked_app.command("retry")
def blocked_retry(entry: Annotated[Optional[int], typer.Argument()] = None,
                  all_: Annotated[bool, typer.Option("--all", help="Retry every open entry.")] = False,
                  config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Try blocked records again (after fixing the cause)."""
    from courroie.interfaces.operations import retry_blocked
    if entry is None and not all_:
        console.print("[red]give an entry id, or --all[/red]")
        raise typer.Exit(2)
    outcome = asyncio.run(retry_blocked(_hub(config), None if all_ else entry))
    table = Table("id", "record", "result", title="retry")
    for row in outcome:
        table.add_row(str(row["id"]), row["record"], row["result"])
    console.print(table)
    if any(row["result"] != "went through" for row in outcome):
        raise typer.Exit(1)


@blocked_app.command("skip")
def blocked_skip(entry: int, comment: Annotated[str, typer.Option("--comment", "-m")] = "",
                 config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Decide that a blocked record will not go through; the comment says why."""
    from courroie.interfaces.operations import skip_blocked
    if not skip_blocked(_hub(config), entry, comment):
        console.print(f"[red]no open blocked entry {entry}[/red]")
        raise typer.Exit(1)
    console.print(f"skipped {entry}")


@orders_app.command("held")
def orders_held(shop: Annotated[Optional[str], typer.Option()] = None, config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Orders waiting for approval or payment, and why."""
    from courroie.interfaces.operations import held_orders
    table = Table("shop", "order", "why it waits", title="held orders")
    for row in held_orders(_hub(config), shop):
        table.add_row(row["shop"], row["reference"], row["reason"] or "")
    console.print(table)


@orders_app.command("approve")
def orders_approve(reference: Annotated[str, typer.Argument(help="The shop's order reference.")],
                   shop: Annotated[str, typer.Option(help="The shop.")],
                   by: Annotated[str, typer.Option(help="Who approves (kept in the journal).")] = "cli",
                   config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Let a held order through: it goes to the ERP now."""
    from courroie.interfaces.operations import approve_order
    outcome = asyncio.run(approve_order(_hub(config), shop, reference, by))
    console.print(f"{reference}: {outcome['result']}")
    if outcome["result"] != "imported":
        raise typer.Exit(1)


@app.command("console")
def console_only(host: Annotated[str, typer.Option(help="Address to serve the console on.")] = "127.0.0.1",
                 port: Annotated[int, typer.Option(help="Port of the console.")] = 8400,
                 config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Serve the web console alone (`courroie run` serves it too, beside the scheduler)."""
    from courroie.interfaces.web.serve import serve_console
    from courroie.store import Store
    from courroie.store.console import Users
    hub_config = _config(config)
    if Users(Store(hub_config.store)).count() == 0:
        console.print("[yellow]no console user yet[/yellow]: add one with "
                      "[bold]courroie users add NAME --role admin[/bold]")
    console.print(f"console on http://{host}:{port}/")
    asyncio.run(serve_console(hub_config, host=host, port=port))


@users_app.command("add")
def users_add(name: Annotated[str, typer.Argument(help="The user name to sign in with.")],
              role: Annotated[str, typer.Option(help="viewer | operator | admin")] = "viewer",
              password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                                    envvar="COURROIE_NEW_PASSWORD",
                                                    help="Asked for when not given (or COURROIE_NEW_PASSWORD).")] = "",
              config: ConfigOption = DEFAULT_CONFIG) -> None:
    """Add a console user."""
    from courroie.interfaces.web.pages.users import password_problem
    from courroie.store import Store
    from courroie.store.console import ROLES, Users
    if role not in ROLES or (problem := password_problem(password)):
        console.print(f"[red]{'role is one of ' + ', '.join(ROLES) if role not in ROLES else problem}[/red]")
        raise typer.Exit(2)
    users = Users(Store(_config(config).store))
    if users.get(name):
        console.print(f"[red]{name} exists already[/red]")
        raise typer.Exit(1)
    users.add(name, password, role)
    console.print(f"added {name} ({role})")


@users_app.command("list")
def users_list(config: ConfigOption = DEFAULT_CONFIG) -> None:
    """The console's users and their roles."""
    from courroie.store import Store
    from courroie.store.console import Users
    table = Table("user", "role", "active", title="console users")
    for user in Users(Store(_config(config).store)).all():
        table.add_row(user.name, user.role, "yes" if user.active else "no")
    console.print(table)


@sandbox_app.command("prestashop")
def sandbox_prestashop(port: Annotated[int, typer.Option()] = 8081,
                       data: Annotated[Path, typer.Option(help="Folder of the shop's data.")] = Path("var/shop"),
                       key: Annotated[str, typer.Option(envvar="PRESTASHOP_KEY", help="Webservice key.")] = "",
                       latency_ms: Annotated[Optional[float], typer.Option(help="Per-request latency; default realistic.")] = None,
                       ) -> None:
    """Serve a local PrestaShop 8 webservice (for the demo and tests)."""
    from courroie.sandbox.prestashop import serve
    if len(key) != 32:
        console.print("[red]--key must be 32 characters, as PrestaShop webservice keys are[/red]")
        raise typer.Exit(2)
    serve(port=port, data_dir=data, key=key, latency=None if latency_ms is None else latency_ms / 1000)


@app.command()
def demo(workdir: Annotated[Path, typer.Option(help="Where the demo keeps its databases.")] = Path(".demo"),
         articles: Annotated[int, typer.Option(help="Articles (SKUs) in the demo ERP.")] = DEFAULT_N_PRODUCTS,
         serve: Annotated[Optional[bool], typer.Option(
             "--serve/--no-serve", help="Then keep it all running with the console (default: when run in a terminal).")] = None,
         port: Annotated[int, typer.Option(help="Port of the console.")] = 8400,
         ) -> None:
    """The whole job on embedded defaults: a real Tryton, two local shops, one hub, one console."""
    import sys
    from courroie.interfaces.demo import run_demo
    run_demo(workdir, products=articles, console=console, serve=sys.stdin.isatty() if serve is None else serve,
             port=port)
