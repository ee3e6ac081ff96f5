"""Tryton price lists as price rules, and Tryton price formulas as reductions. Pure, no I/O.

A Tryton price list is a sequence of lines, each a formula with conditions (a product, a category with
its sub-categories, a minimal quantity, and with ``product_price_list_dates`` a first and a last day);
the first line matching gives the price. Tryton computes it: ``product.product.sale_price_uom`` read
with ``price_list``, ``quantity`` and ``date`` in the context, for many products in one call. This
module decides *where* to ask — at the quantity and date breakpoints the lines define, for the
products whose price can change there — and turns the answers into rules.

Tryton takes about 2.5 ms per product and read (its ORM works record by record), so what is not asked
is the whole of the speed. Where the first line that can match at a breakpoint has no condition and a
plain formula (``unit_price * 0.8``), its price is worked out here for every product the conditioned
lines before it leave (Tryton is asked for those only), then checked against Tryton's own answer
for a few products; a difference sends the whole breakpoint back to Tryton.

The rules mean what a shop's specific prices mean (PrestaShop, WooCommerce tiers, Shopify price
lists): of the rules of one list in force at a moment, the one with the highest ``from_quantity`` not
above the quantity bought wins, a dated rule before an undated one; without any, the base price.
"""

from __future__ import annotations

import ast
import datetime as dt
import logging
import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from courroie.model import PriceRule, Reduction

log = logging.getLogger(__name__)

Row = dict[str, Any]
Domain = list[Any]
DAY = dt.timedelta(days=1)
PRICE_STEP = Decimal("0.0001")           # product.round_price: price digits (16, 4)


@dataclass(frozen=True)
class ListLine:
    """A ``product.price_list.line``: its conditions, and its formula when the hub may evaluate it."""

    product: int | None = None
    category: int | None = None
    quantity: float | None = None
    start: dt.date | None = None
    end: dt.date | None = None           # included
    formula: str | None = None           # set only when plain (see :func:`list_lines`)

    def active(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    @property
    def tier(self) -> int:
        """The first whole quantity the line matches (Tryton: ``quantity`` ≤ the quantity bought)."""
        return max(1, math.ceil(self.quantity or 0))

    def domain(self) -> Domain | None:
        """The ``product.product`` it can match; None: every product."""
        if self.product is not None:
            return [("id", "=", self.product)]
        if self.category is not None:
            return [("template.categories_all", "child_of", [self.category], "parent")]
        return None


def list_lines(rows: Iterable[Row], *, plain_list: bool) -> list[ListLine]:
    """The lines of one list in Tryton's order (sequence, empty first, then id). ``plain_list``: its
    ``unit_price`` is the list price and its prices exclude taxes, so a formula of ``unit_price`` and
    numbers alone can be evaluated here."""
    ordered = sorted(rows, key=lambda r: (r.get("sequence") is not None, r.get("sequence") or 0, r["id"]))
    return [ListLine(product=row.get("product"), category=row.get("category"), quantity=row.get("quantity"),
                     start=row.get("start_date"), end=row.get("end_date"),
                     formula=row.get("formula") if plain_list and _plain(row.get("formula") or "") else None)
            for row in ordered]


def _plain(formula: str) -> bool:
    return evaluate(formula, Decimal("37.5")) is not None


def local_price(line: ListLine | None, base: Decimal) -> Decimal | None:
    """What Tryton's ``compute`` gives with this line (None: no line, no price), rounded like it."""
    if line is None:
        return None
    assert line.formula is not None
    value = evaluate(line.formula, base)
    return value.quantize(PRICE_STEP) if value is not None else None


@dataclass(frozen=True)
class Segment:
    """Days over which no line of the list starts or ends: one price per product and quantity."""

    start: dt.date | None                # None: since ever
    end: dt.date | None                  # the first day after it; None: for ever
    day: dt.date                         # the day Tryton is asked about


def segments(lines: Iterable[ListLine], today: dt.date) -> list[Segment]:
    """From the one running today to the last, open-ended one (the *background*, whose prices are
    published undated). Lines over before today play no part: a shop has nothing to show of them."""
    relevant = [line for line in lines if line.end is None or line.end >= today]
    points = {line.start for line in relevant if line.start} | {line.end + DAY for line in relevant if line.end}
    started = [point for point in points if point <= today]
    coming = sorted(point for point in points if point > today)
    starts: list[dt.date | None] = [max(started) if started else None, *coming]
    ends: list[dt.date | None] = [*coming, None]
    return [Segment(start, end, max(start or today, today)) for start, end in zip(starts, ends, strict=True)]


def tiers(lines: Iterable[ListLine]) -> list[int]:
    return sorted({1} | {line.tier for line in lines})


@dataclass(frozen=True)
class Ask:
    """The prices of products matching ``domain`` (None: all) on ``segment``'s day, bought by
    ``quantity``: read from Tryton (``sale_price_uom``), or, with ``local``, worked out here with
    ``line`` (None: no line matches, no price) for every product but those of ``tryton``, read."""

    segment: int                         # index in the segments
    quantity: int
    domain: Domain | None
    local: bool = False
    line: ListLine | None = None
    tryton: Domain | None = None         # with ``local``: the products an earlier, conditioned line may match


def asks(lines: Sequence[ListLine], days: Sequence[Segment]) -> list[Ask]:
    """The reads that give every price that can differ from a cheaper guess.

    - The background at one unit: every product.
    - The background at a higher tier: only the products a line starting at that tier can match
      (for the others, the price of the tier below).
    - Another segment, at every tier: only the products of the lines in force there and not in the
      background or the reverse (for the others, the background's price).
    """
    background = len(days) - 1
    found: list[Ask] = [_ask(lines, days, background, 1, None)]
    in_background = [line for line in lines if line.active(days[-1].day)]
    for quantity in tiers(lines)[1:]:
        starting = [line for line in in_background if line.tier == quantity]
        if starting:
            found.append(_ask(lines, days, background, quantity, _union(starting)))
    for index, segment in enumerate(days[:-1]):
        differing = [line for line in lines if line.active(segment.day) != line.active(days[-1].day)]
        if differing:
            found += [_ask(lines, days, index, quantity, _union(differing)) for quantity in tiers(lines)]
    return found


def _ask(lines: Sequence[ListLine], days: Sequence[Segment], segment: int, quantity: int,
         domain: Domain | None) -> Ask:
    """Local when the first line without condition that can match there (if any) has a plain formula:
    a product no earlier line can match gets its price."""
    candidates = [line for line in lines if line.active(days[segment].day) and line.tier <= quantity]
    first = next((index for index, line in enumerate(candidates) if line.domain() is None), None)
    if first is not None and candidates[first].formula is None:
        return Ask(segment, quantity, domain)
    earlier = candidates[:first] if first is not None else candidates
    return Ask(segment, quantity, domain, local=True, line=candidates[first] if first is not None else None,
               tryton=_union(earlier) if earlier else None)


def _union(lines: Sequence[ListLine]) -> Domain | None:
    domains = [line.domain() for line in lines]
    if any(domain is None for domain in domains):
        return None
    return ["OR", *(clause for domain in domains for clause in domain or [])]


# Prices Tryton gave: (segment index, quantity) → {product id: price}.
Answers = Mapping[tuple[int, int], Mapping[int, Decimal | None]]


def price_grid(product: int, answers: Answers, days: Sequence[Segment],
               quantities: Sequence[int]) -> list[list[Decimal | None]]:
    """[segment][tier] prices of one product, filling what was not asked as :func:`asks` reasons."""
    background = len(days) - 1
    grid: list[list[Decimal | None]] = [[None] * len(quantities) for _ in days]
    for column, quantity in enumerate(quantities):
        asked = answers.get((background, quantity), {})
        grid[background][column] = asked[product] if product in asked else (
            grid[background][column - 1] if column else None)
    for index in range(background):
        for column, quantity in enumerate(quantities):
            asked = answers.get((index, quantity), {})
            grid[index][column] = asked[product] if product in asked else grid[background][column]
    return grid


@dataclass(frozen=True)
class Entry:
    quantity: int
    price: Decimal


def background_entries(base: Decimal, prices: Sequence[Decimal | None], quantities: Sequence[int]) -> list[Entry]:
    """Undated rules: a tier wherever the price changes from what the shop shows below it."""
    entries, shown = [], base
    for quantity, price in zip(quantities, prices, strict=True):
        if price is not None and price != shown:
            entries.append(Entry(quantity, price))
            shown = price
    return entries


def dated_entries(base: Decimal, prices: Sequence[Decimal | None], quantities: Sequence[int],
                  background: Sequence[Entry]) -> list[Entry]:
    """Rules for one dated segment, on top of the undated ones: at each tier, what the shop would show
    from the undated rules (or from the tier below) is overridden where the segment's price differs."""
    undated = {entry.quantity: entry.price for entry in background}
    entries, shown = [], base
    for quantity, price in zip(quantities, prices, strict=True):
        default = undated.get(quantity, shown)
        if price is not None and price != default:
            entries.append(Entry(quantity, price))
            shown = price
        else:
            shown = default
    return entries


@dataclass(frozen=True)
class PriceListInfo:
    name: str
    currency: str
    timezone: ZoneInfo                   # the company's: Tryton's days are its days


def product_rules(sku: str, base: Decimal, grid: Sequence[Sequence[Decimal | None]], days: Sequence[Segment],
                  quantities: Sequence[int], info: PriceListInfo) -> list[PriceRule]:
    """The rules of one article: undated from the background, dated runs of equal entries."""
    undated = background_entries(base, grid[-1], quantities)
    rules = [_rule(sku, entry, None, None, info) for entry in undated if _showable(sku, entry, info)]
    runs: dict[Entry, list[int]] = {}
    for index in range(len(days) - 1):
        for entry in dated_entries(base, grid[index], quantities, undated):
            runs.setdefault(entry, []).append(index)
    for entry, indexes in runs.items():
        for first, last in _consecutive(indexes):
            if _showable(sku, entry, info):
                rules.append(_rule(sku, entry, days[first].start, days[last].end, info))
    return sorted(rules, key=lambda r: (r.from_quantity, r.starts or _EPOCH, r.ends or _EPOCH))


_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


def _consecutive(indexes: Sequence[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for index in indexes:
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _showable(sku: str, entry: Entry, info: PriceListInfo) -> bool:
    """A negative price (a negative list price, a formula going below zero) is no price a shop can show:
    that rule is left out, not the whole read; a negative base price is blocked by the flows."""
    if entry.price < 0:
        log.warning("price list %s gives %s a negative price (%s from %s): left out", info.name, sku,
                    entry.price, entry.quantity)
        return False
    return True


def _rule(sku: str, entry: Entry, start: dt.date | None, end: dt.date | None, info: PriceListInfo) -> PriceRule:
    return PriceRule(sku=sku, price=entry.price, price_list=info.name, currency=info.currency,
                     from_quantity=entry.quantity, starts=midnight(start, info.timezone),
                     ends=midnight(end, info.timezone))


def midnight(day: dt.date | None, timezone: ZoneInfo) -> dt.datetime | None:
    """The start of a Tryton day (the company's) in UTC."""
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(0), tzinfo=timezone).astimezone(dt.UTC)


# --- formulas -------------------------------------------------------------------------------------------

_OPERATORS: Mapping[type, Callable[[Decimal, Decimal], Decimal]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
}


def evaluate(formula: str, unit_price: Decimal) -> Decimal | None:
    """A Tryton price formula made of ``unit_price``, numbers, ``Decimal('…')``, + - * / and
    parentheses, evaluated as Tryton does (``decistmt``: every number is the Decimal of its text);
    None for anything else."""
    source = formula.strip()
    try:
        return _evaluate(ast.parse(source, mode="eval").body, unit_price, source)
    except (SyntaxError, ValueError, ArithmeticError, InvalidOperation):
        return None


def _evaluate(node: ast.AST, unit_price: Decimal, source: str) -> Decimal:
    if isinstance(node, ast.Name) and node.id == "unit_price":
        return unit_price
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return Decimal(ast.get_source_segment(source, node) or str(node.value))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Decimal"
            and len(node.args) == 1 and not node.keywords and isinstance(node.args[0], ast.Constant)):
        return Decimal(str(node.args[0].value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand, unit_price, source)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_evaluate(node.left, unit_price, source),
                                         _evaluate(node.right, unit_price, source))
    raise ValueError(f"not a simple price formula: {ast.dump(node)}")


def reduction(formula: str) -> tuple[Decimal, Reduction] | None:
    """What a promotion formula takes off a unit price: ``unit_price * 0.9`` → 10 %,
    ``unit_price - 5`` → 5 (an amount per unit); None when it is no plain reduction."""
    samples = [evaluate(formula, Decimal(price)) for price in (0, 100, 37)]
    if any(value is None for value in samples):
        return None
    at_zero, at_hundred, at_other = (value for value in samples if value is not None)
    slope = (at_hundred - at_zero) / 100
    if slope * 37 + at_zero != at_other:            # not linear in the unit price
        return None
    if at_zero == 0 and 0 <= slope < 1:
        return (1 - slope).normalize(), Reduction.PERCENTAGE
    if slope == 1 and at_zero < 0:
        return (-at_zero).normalize(), Reduction.AMOUNT
    return None
