"""Price lists as rules, without a server: the breakpoints asked about, and what the rules make a shop show.

The oracle is written here, apart from the connector: a price list evaluated the way trytond's
``product_price_list`` (+ ``_dates``) does — first line matching by product, category (with its
parents), minimal quantity and days — and a shop applying rules the way the connector promises
(highest ``from_quantity`` not above the quantity, a dated rule before an undated one, else the base
price). Whatever lines a merchant writes, both must give the same price at every day and quantity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from courroie.connectors.tryton import pricing
from courroie.model import PriceRule, Reduction

pytestmark = pytest.mark.tryton

TODAY = dt.date(2026, 11, 22)
UTC = ZoneInfo("UTC")
INFO = pricing.PriceListInfo("Tarif pro", "EUR", UTC)
# Category tree 1 → (2 → 4), 3; products and the categories of their templates.
PARENTS = {1: None, 2: 1, 3: 1, 4: 2}
PRODUCTS = {10: {4}, 11: {3}, 12: {1}, 13: set()}
BASE = {10: Decimal("100.00"), 11: Decimal("35.90"), 12: Decimal("1249.90"), 13: Decimal("9.90")}


@dataclass(frozen=True)
class Line:
    conditions: pricing.ListLine
    factor: Decimal


def ancestors(categories: set[int]) -> set[int]:
    found = set()
    for category in categories:
        while category is not None:
            found.add(category)
            category = PARENTS[category]
    return found


def tryton_price(lines: list[Line], product: int, quantity: int, day: dt.date) -> Decimal | None:
    """product_price_list's ``compute``: the first line matching, its formula ``unit_price * factor``."""
    for line in lines:
        c = line.conditions
        if c.product is not None and c.product != product:
            continue
        if c.category is not None and c.category not in ancestors(PRODUCTS[product]):
            continue
        if c.quantity is not None and c.quantity > quantity:
            continue
        if (c.start and c.start > day) or (c.end and c.end < day):
            continue
        return (BASE[product] * line.factor).quantize(Decimal("0.0001"))
    return None


def matches(domain: list | None, product: int) -> bool:
    """The two clauses :class:`pricing.ListLine` writes, joined by "OR"."""
    if domain is None:
        return True
    clauses = domain[1:] if domain and domain[0] == "OR" else domain
    for field, operator, value, *_ in clauses:
        if field == "id" and operator == "=" and value == product:
            return True
        if field == "template.categories_all" and operator == "child_of" and set(value) & ancestors(PRODUCTS[product]):
            return True
    return False


def rules_for(lines: list[Line], product: int) -> list[PriceRule]:
    """What the connector does, with this module's oracle answering for Tryton."""
    conditions = [line.conditions for line in lines]
    days = pricing.segments(conditions, TODAY)
    quantities = pricing.tiers(conditions)
    answers: dict[tuple[int, int], dict[int, Decimal | None]] = {}
    for ask in pricing.asks(conditions, days):
        day = days[ask.segment].day
        if ask.local:          # Tryton for the products of earlier lines, the first plain line for the others
            answers[(ask.segment, ask.quantity)] = {
                p: tryton_price(lines, p, ask.quantity, day) if ask.tryton and matches(ask.tryton, p)
                else pricing.local_price(ask.line, BASE[p]) for p in PRODUCTS}
        else:
            answers[(ask.segment, ask.quantity)] = {
                p: tryton_price(lines, p, ask.quantity, day) for p in PRODUCTS if matches(ask.domain, p)}
    grid = pricing.price_grid(product, answers, days, quantities)
    return pricing.product_rules(f"P{product}", BASE[product], grid, days, quantities, INFO)


def shop_price(rules: list[PriceRule], base: Decimal, quantity: int, moment: dt.datetime) -> Decimal:
    live = [r for r in rules if r.from_quantity <= quantity and (r.starts is None or r.starts <= moment)
            and (r.ends is None or moment < r.ends)]
    if not live:
        return base
    best = max(live, key=lambda r: (r.from_quantity, r.starts is not None or r.ends is not None))
    assert best.price is not None
    return best.price


def moments(lines: list[Line]) -> list[dt.date]:
    """Today and both sides of every day a line starts or ends, from today on."""
    days = {TODAY, TODAY + dt.timedelta(days=3650)}
    for line in lines:
        for day in (line.conditions.start, line.conditions.end):
            if day:
                days |= {day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)}
    return sorted(day for day in days if day >= TODAY)


def assert_shop_shows_tryton_prices(lines: list[Line]) -> None:
    tiers = pricing.tiers([line.conditions for line in lines])
    quantities = sorted({1, 2, 50} | {t + d for t in tiers for d in (-1, 0, 1)})
    for product in PRODUCTS:
        rules = rules_for(lines, product)
        for day in moments(lines):
            noon = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
            for quantity in (q for q in quantities if q >= 1):
                expected = tryton_price(lines, product, quantity, day)
                if expected is not None:      # no price in Tryton: nothing to compare
                    assert shop_price(rules, BASE[product], quantity, noon) == expected, (product, day, quantity, rules)


def line(factor: str, plain: bool = True, **conditions) -> Line:
    """A line of formula ``unit_price * factor``; not ``plain``: one the connector leaves to Tryton."""
    return Line(pricing.ListLine(**conditions, formula=f"unit_price * {factor}" if plain else None), Decimal(factor))


# --- the seeded lists, by hand ---------------------------------------------------------------------

def test_a_b2b_list_gives_a_price_and_a_tier_for_every_article():
    lines = [line("0.75", quantity=10), line("0.85", category=2), line("0.8")]
    rules = rules_for(lines, 10)                           # in category 4, under 2
    assert [(r.from_quantity, r.price, r.starts, r.ends) for r in rules] == [
        (1, Decimal("85.0000"), None, None), (10, Decimal("75.0000"), None, None)]
    assert all(r.price_list == "Tarif pro" and r.currency == "EUR" for r in rules)
    assert_shop_shows_tryton_prices(lines)


def test_sales_give_dated_prices_running_and_coming_but_none_for_past_ones():
    lines = [line("0.8", category=3, start=TODAY - dt.timedelta(days=10), end=dt.date(2026, 12, 31)),
             line("0.7", category=2, start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30)),
             line("0.3", product=12, start=dt.date(2027, 1, 10), end=dt.date(2027, 2, 6)),
             line("1")]
    assert rules_for(lines, 10) == []                      # only the past sales concerned it
    [running] = rules_for(lines, 11)
    assert (running.price, running.starts, running.ends) == (
        Decimal("28.7200"), dt.datetime(2026, 11, 12, tzinfo=dt.UTC), dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    [coming] = rules_for(lines, 12)
    assert (coming.starts, coming.ends) == (dt.datetime(2027, 1, 10, tzinfo=dt.UTC),
                                            dt.datetime(2027, 2, 7, tzinfo=dt.UTC))
    assert_shop_shows_tryton_prices(lines)


def test_a_dated_price_overrides_higher_tiers_of_the_undated_ones():
    # During the sales, 70 % for any quantity: the undated 75 % from 10 units must not win then.
    lines = [line("0.7", start=TODAY, end=TODAY + dt.timedelta(days=5)), line("0.75", quantity=10), line("0.8")]
    rules = rules_for(lines, 11)
    dated = sorted((r.from_quantity, r.price) for r in rules if r.ends)
    assert dated == [(1, Decimal("25.1300")), (10, Decimal("25.1300"))]
    assert_shop_shows_tryton_prices(lines)


def test_days_are_the_company_s_days_in_utc():
    paris = pricing.PriceListInfo("Soldes", "EUR", ZoneInfo("Europe/Paris"))
    days = pricing.segments([pricing.ListLine(start=dt.date(2027, 1, 10), end=dt.date(2027, 2, 6))], TODAY)
    grid = [[None], [Decimal(80)], [Decimal(100)]]
    [rule] = pricing.product_rules("X", Decimal(100), grid, days, [1], paris)
    assert rule.starts == dt.datetime(2027, 1, 9, 23, tzinfo=dt.UTC)
    assert rule.ends == dt.datetime(2027, 2, 6, 23, tzinfo=dt.UTC)


# --- where Tryton is asked ---------------------------------------------------------------------------

def test_segments_start_with_the_running_one_and_end_open():
    lines = [pricing.ListLine(start=TODAY - dt.timedelta(days=3), end=TODAY + dt.timedelta(days=4)),
             pricing.ListLine(start=dt.date(2020, 1, 1), end=dt.date(2020, 1, 31)),      # over: ignored
             pricing.ListLine(start=TODAY + dt.timedelta(days=10))]
    days = pricing.segments(lines, TODAY)
    assert [(s.start, s.end, s.day) for s in days] == [
        (TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=5), TODAY),
        (TODAY + dt.timedelta(days=5), TODAY + dt.timedelta(days=10), TODAY + dt.timedelta(days=5)),
        (TODAY + dt.timedelta(days=10), None, TODAY + dt.timedelta(days=10))]
    assert pricing.segments([], TODAY) == [pricing.Segment(None, None, TODAY)]


def test_tiers_are_the_first_whole_quantities_lines_match():
    lines = [pricing.ListLine(quantity=q) for q in (None, 0, 1, 2.5, 10)]
    assert pricing.tiers(lines) == [1, 3, 10]


def test_lines_come_in_tryton_s_order_with_their_formula_when_plain():
    rows = [{"id": 1, "sequence": 20, "formula": "unit_price * 0.9"},
            {"id": 2, "sequence": None, "formula": "unit_price"},
            {"id": 3, "sequence": 10, "formula": "cost_price * 1.5"},
            {"id": 4, "sequence": 10, "formula": "unit_price - 1"}]
    lines = pricing.list_lines(rows, plain_list=True)
    assert [line.formula for line in lines] == ["unit_price", None, "unit_price - 1", "unit_price * 0.9"]
    assert all(line.formula is None for line in pricing.list_lines(rows, plain_list=False))   # cost price, taxes
    assert pricing.local_price(lines[3], Decimal("34.90")) == Decimal("31.4100")
    assert pricing.local_price(None, Decimal("34.90")) is None


def test_the_first_plain_line_without_condition_is_worked_out_here():
    lines = [pricing.ListLine(category=3, formula="unit_price * 0.85"), pricing.ListLine(formula="unit_price * 0.8"),
             pricing.ListLine(quantity=10, formula="unit_price * 0.7")]
    [one, ten] = pricing.asks(lines, pricing.segments(lines, TODAY))
    assert (one.local, one.line, one.tryton) == (True, lines[1], ["OR", ("template.categories_all", "child_of", [3],
                                                                        "parent")])
    assert (ten.quantity, ten.local, ten.line) == (10, True, lines[1])         # the category line still comes first
    assert not pricing.asks([pricing.ListLine(formula=None)], [pricing.Segment(None, None, TODAY)])[0].local
    [none] = pricing.asks([pricing.ListLine(product=12, formula=None)], [pricing.Segment(None, None, TODAY)])
    assert (none.local, none.line, none.tryton) == (True, None, ["OR", ("id", "=", 12)])   # others: no price


def test_only_the_products_a_line_can_change_are_asked_again():
    lines = [pricing.ListLine(product=12, start=TODAY + dt.timedelta(days=3)),
             pricing.ListLine(category=3, quantity=5), pricing.ListLine()]          # formulas left to Tryton
    days = pricing.segments(lines, TODAY)
    asks = pricing.asks(lines, days)
    assert not any(a.local for a in asks)
    assert [(a.segment, a.quantity, a.domain) for a in asks] == [
        (1, 1, None),                                                            # everything, once
        (1, 5, ["OR", ("template.categories_all", "child_of", [3], "parent")]),  # the tier's category
        (0, 1, ["OR", ("id", "=", 12)]), (0, 5, ["OR", ("id", "=", 12)]),        # before the dated line starts
    ]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(
    st.sampled_from([None, 10, 11, 12]), st.sampled_from([None, 1, 2, 3, 4]),
    st.sampled_from([None, 0.5, 2, 3, 5, 10]), st.sampled_from([None, -40, -5, 0, 3, 20]),
    st.sampled_from([None, 0, 1, 6, 30, 90]), st.sampled_from(["0.5", "0.7", "0.8", "0.95", "1", "1.1"]),
    st.booleans()), min_size=1, max_size=5), st.booleans())
def test_whatever_the_lines_the_shop_shows_what_tryton_computes(specs, catch_all):
    lines = []
    for product, category, quantity, start, length, factor, plain in specs:
        first = TODAY + dt.timedelta(days=start) if start is not None else None
        last = (first or TODAY) + dt.timedelta(days=length) if length is not None else None
        lines.append(line(factor, plain, product=product, category=category, quantity=quantity, start=first,
                          end=last))
    assert_shop_shows_tryton_prices(lines + ([line("1")] if catch_all else []))


# --- promotion formulas ------------------------------------------------------------------------------

@pytest.mark.parametrize("formula, expected", [
    ("unit_price * 0.9", (Decimal("0.1"), Reduction.PERCENTAGE)),
    ("0.75 * unit_price", (Decimal("0.25"), Reduction.PERCENTAGE)),
    ("unit_price * Decimal('0.85')", (Decimal("0.15"), Reduction.PERCENTAGE)),
    ("unit_price * (1 - 0.2)", (Decimal("0.2"), Reduction.PERCENTAGE)),
    ("unit_price - 5", (Decimal("5"), Reduction.AMOUNT)),
    ("unit_price + -2.5", (Decimal("2.5"), Reduction.AMOUNT)),
    ("unit_price", None),                                  # no reduction at all
    ("unit_price * 1.1", None),                            # a rise
    ("unit_price * 0.9 - 1", None),                        # both: no shop has it
    ("Decimal('19.90')", None),                            # a fixed price
    ("unit_price * unit_price", None),
    ("max(unit_price - 5, 0)", None),
    ("__import__('os')", None),
    ("unit_price *", None),
])
def test_a_promotion_formula_is_a_percentage_or_an_amount_off(formula, expected):
    assert pricing.reduction(formula) == expected


def test_formulas_are_evaluated_on_decimals():
    assert pricing.evaluate("unit_price * 0.8", Decimal("34.90")) == Decimal("27.920")
    assert pricing.evaluate("unit_price / 0", Decimal(1)) is None
