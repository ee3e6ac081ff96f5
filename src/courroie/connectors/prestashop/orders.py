"""Reading orders: every order updated since a time, with what it points to, in bulk per page.

A page of orders (``ORDERS_PER_PAGE``) costs one GET for the orders and one filtered GET per related
resource for the whole page (``filter[id_order]=[a|b|c]``, ``filter[order_reference]=[…]``…):
customers, addresses, order_details, order_payments, order_cart_rules, order_histories, order_slip;
then, with what those named, cart rule codes and regions (states). Reference tables — countries,
currencies, customer groups, order states, carriers — are read once per connector and read again
when an order names an id they do not hold.

What the order says, and where it comes from:

* vouchers: ``order_cart_rules`` (name, ``value`` tax included, ``value_tax_excl``; rows the
  merchant removed, ``deleted=1``, are left out), their code from ``cart_rules`` when the key may
  read them (a rule deleted since keeps no code);
* gift wrapping: the order's ``gift``, ``gift_message`` and ``total_wrapping_tax_excl/incl``;
* payments: ``order_payments`` (linked by order reference), with their date; a payment recorded by
  the checkout is named by the order's payment module (see ``mapping._payment``);
* ``paid``: the order is or has been in a state flagged ``paid`` (``Order::hasBeenPaid``): a bank
  wire or cheque order waiting in state 10 or 1 is not, until the merchant marks the money arrived;
* ``cancelled``: the current state is the one ``order_states`` maps CANCELLED to, or any state whose
  mail template is ``order_canceled``;
* ``refunded_tax_incl``: the credit slips (``order_slip``: products and shipping, tax included);
* customer: ``is_guest``; its default group (``id_default_group``) by name, in the fallback language;
* addresses: the region's ISO code (``states``) when ``id_state`` is set.

An order whose documents cannot be read (unknown currency, country or state, customer or address
gone, malformed numbers) comes back as ``IncomingOrder.error`` with its raw documents: never dropped.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime

from courroie.connectors.prestashop import mapping
from courroie.connectors.prestashop.client import PrestaShopClient, UnreadableAnswer
from courroie.connectors.prestashop.config import PrestaShopConfig
from courroie.connectors.prestashop.lookups import text_in
from courroie.connectors.prestashop.mapping import Lookups, OrderDocuments, Row, as_int, as_text, mapped
from courroie.errors import AuthenticationFailure, DataError
from courroie.model import IncomingOrder, SaleState

log = logging.getLogger(__name__)

ORDERS_PER_PAGE = 50          # each page costs 1 + 7 bulk GETs, then cart rule codes and regions
CUSTOMER_FIELDS = "[id,email,firstname,lastname,company,id_default_group,is_guest]"   # no password hash
DETAIL_FIELDS = ("[id,id_order,product_id,product_attribute_id,product_reference,product_name,product_quantity,"
                 "unit_price_tax_incl,unit_price_tax_excl,total_price_tax_incl,total_price_tax_excl]")
PAYMENT_FIELDS = "[id,order_reference,id_currency,amount,payment_method,transaction_id,date_add]"  # no card data
CART_RULE_FIELDS = "[id,id_order,id_cart_rule,name,value,value_tax_excl,free_shipping,deleted]"
HISTORY_FIELDS = "[id,id_order,id_order_state,date_add]"
SLIP_FIELDS = ("[id,id_order,total_products_tax_excl,total_products_tax_incl,total_shipping_tax_excl,"
               "total_shipping_tax_incl,amount,date_add]")
CANCELLED_TEMPLATE = "order_canceled"


class OrderReader:
    """Orders of one shop, as ``IncomingOrder`` records."""

    def __init__(self, client: PrestaShopClient, config: PrestaShopConfig) -> None:
        self._client = client
        self._config = config
        self._tables: Lookups | None = None
        self._tables_lock = asyncio.Lock()
        self._carriers: dict[str, Row] = {}
        self._states: dict[str, str] = {}          # id_state → iso code ("" when the shop has none)
        self._order_state_ids: frozenset[str] = frozenset()
        self._refreshed_for: set[str] = set()      # ids the tables were read again for, in vain
        self._cart_rules_readable = True

    async def read_orders(self, updated_since: datetime | None) -> AsyncIterator[IncomingOrder]:
        """Page by page, sorted by id, to the end (see ``PrestaShopClient.read_pages``). A page whose
        answers cannot be read (one order's data makes PHP print a notice into the JSON) is read again
        order by order: the others come through, the culprit comes back as an ``IncomingOrder`` whose
        ``error`` says so, with what the shop answered as its raw document."""
        filters = {}
        if updated_since is not None:
            filters["date_upd"] = mapped(mapping.shop_time_filter, updated_since, self._config.zone)
        offset = 0
        while True:
            page = dict(filters=filters, sort="[id_ASC]", limit=f"{offset},{ORDERS_PER_PAGE}", date=bool(filters))
            try:
                rows = await self._client.read("orders", **page)
                found = await self._assemble(rows)
            except UnreadableAnswer as unreadable:
                log.warning("shop %s: an answer about orders %d-%d is unreadable (%s); reading them one by one",
                            self._config.name, offset + 1, offset + ORDERS_PER_PAGE, unreadable)
                rows = await self._client.read("orders", display="[id]", **page)
                found = [order for row in rows for order in await self.alone(as_text(row.get("id")))]
            for incoming in found:
                yield incoming
            if len(rows) < ORDERS_PER_PAGE:
                return
            offset += ORDERS_PER_PAGE

    async def alone(self, order_id: str) -> list[IncomingOrder]:
        """One order read and assembled by itself; its unreadable answer, if that is what it gives."""
        try:
            return await self._assemble(await self._client.read("orders", filters={"id": f"[{order_id}]"}))
        except UnreadableAnswer as unreadable:
            raw = json.dumps({"order": {"id": order_id}, "unreadable_answer": unreadable.answer}, ensure_ascii=False)
            return [IncomingOrder(external_id=order_id, raw=raw,
                                  error=f"the shop's answer about this order is unreadable: {unreadable}",
                                  details={"answer": unreadable.answer[:500]})]

    async def _assemble(self, orders: Sequence[Row]) -> list[IncomingOrder]:
        def ids(name: str) -> set[str]:
            return {as_text(order.get(name)) for order in orders}

        read_by = self._client.read_by
        (customers, addresses, details, payments, cart_rules, history, slips, carriers,
         tables) = await asyncio.gather(
            read_by("customers", "id", ids("id_customer"), display=CUSTOMER_FIELDS),
            read_by("addresses", "id", ids("id_address_invoice") | ids("id_address_delivery")),
            read_by("order_details", "id_order", ids("id"), display=DETAIL_FIELDS),
            read_by("order_payments", "order_reference", ids("reference"), display=PAYMENT_FIELDS),
            read_by("order_cart_rules", "id_order", ids("id"), display=CART_RULE_FIELDS),
            read_by("order_histories", "id_order", ids("id"), display=HISTORY_FIELDS),
            read_by("order_slip", "id_order", ids("id"), display=SLIP_FIELDS),
            self._carriers_by_id(ids("id_carrier")),
            self._reference_tables(),
        )
        codes, states, tables = await asyncio.gather(
            self._cart_rule_codes({as_text(row.get("id_cart_rule")) for row in cart_rules}),
            self._states_by_id({as_text(row.get("id_state")) for row in addresses}),
            self._fresh_tables(tables, groups=_values(customers, "id_default_group"),
                               states=ids("current_state") | _values(history, "id_order_state")),
        )
        lookups = dataclasses.replace(tables, states=states)
        customer_by_id = _index(customers, "id")
        address_by_id = _index(addresses, "id")
        details_by_order = _group(details, "id_order")
        payments_by_reference = _group(payments, "order_reference")
        rules_by_order = _group(cart_rules, "id_order")
        history_by_order = _group(history, "id_order")
        slips_by_order = _group(slips, "id_order")
        result = []
        for order in orders:
            order_id = as_text(order.get("id"))
            rules = tuple(rules_by_order.get(order_id, ()))
            documents = OrderDocuments(
                order=order,
                customer=customer_by_id.get(as_text(order.get("id_customer"))),
                invoice_address=address_by_id.get(as_text(order.get("id_address_invoice"))),
                delivery_address=address_by_id.get(as_text(order.get("id_address_delivery"))),
                details=tuple(details_by_order.get(order_id, ())),
                payments=tuple(payments_by_reference.get(as_text(order.get("reference")), ())),
                carrier=carriers.get(as_text(order.get("id_carrier"))),
                cart_rules=rules,
                cart_rule_codes={rule: codes[rule] for rule in (as_text(r.get("id_cart_rule")) for r in rules)
                                 if codes.get(rule)},
                history=tuple(sorted(history_by_order.get(order_id, ()), key=lambda r: as_int(r.get("id")))),
                slips=tuple(slips_by_order.get(order_id, ())),
            )
            result.append(mapping.incoming_order(documents, lookups, self._config.name, self._config.zone))
        return result

    # --- reference tables

    async def _reference_tables(self, *, refresh: bool = False) -> tuple[Lookups, bool]:
        """The tables, and whether they were just read."""
        async with self._tables_lock:
            if self._tables is not None and not refresh:
                return self._tables, False
            countries, currencies, groups, states = await asyncio.gather(
                self._client.read("countries", display="[id,iso_code]"),
                self._client.read("currencies", display="[id,iso_code]"),
                self._client.read("groups", display="[id,name]"),
                self._client.read("order_states", display="[id,paid,template]"))
            self._tables = self._lookups(countries, currencies, groups, states)
            return self._tables, True

    def _lookups(self, countries: Iterable[Row], currencies: Iterable[Row], groups: Iterable[Row],
                 states: Iterable[Row]) -> Lookups:
        language = self._config.languages[self._config.fallback_language]
        states = list(states)
        self._order_state_ids = frozenset(as_text(row.get("id")) for row in states)
        cancelled = {as_text(row.get("id")) for row in states
                     if CANCELLED_TEMPLATE in {text.casefold() for text in mapping.all_texts(row.get("template"))}}
        if SaleState.CANCELLED in self._config.order_states:
            cancelled.add(str(self._config.order_states[SaleState.CANCELLED]))
        return Lookups(
            countries={as_text(row.get("id")): as_text(row.get("iso_code")).upper() for row in countries},
            currencies={as_text(row.get("id")): as_text(row.get("iso_code")).upper() for row in currencies},
            groups={as_text(row.get("id")): text_in(row.get("name"), language)
                    or next(iter(mapping.all_texts(row.get("name"))), "") for row in groups},
            paid_states=frozenset(as_text(row.get("id")) for row in states if as_int(row.get("paid")) == 1),
            cancelled_states=frozenset(cancelled))

    async def _fresh_tables(self, read: tuple[Lookups, bool], *, groups: set[str], states: set[str]) -> Lookups:
        """The tables, read again when the page names a group or order state they do not know (the
        merchant added one since); an id still unknown afterwards does not cause another reading."""
        tables, just_read = read
        unknown = ({f"group:{g}" for g in groups - tables.groups.keys() if g not in ("", "0")}
                   | {f"state:{s}" for s in states - self._order_state_ids if s not in ("", "0")})
        if unknown - self._refreshed_for and not just_read:
            tables, _ = await self._reference_tables(refresh=True)
        self._refreshed_for |= unknown
        return tables

    async def _carriers_by_id(self, carrier_ids: set[str]) -> Mapping[str, Row]:
        unknown = carrier_ids - self._carriers.keys()
        if unknown:
            found = _index(await self._client.read_by("carriers", "id", unknown, display="[id,name]"), "id")
            self._carriers |= {carrier_id: found.get(carrier_id, {}) for carrier_id in unknown}   # misses too
        return self._carriers

    async def _states_by_id(self, state_ids: set[str]) -> dict[str, str]:
        """ISO codes of the regions named, read once each (a region that does not exist stays unknown)."""
        wanted = state_ids - {"", "0"}
        unknown = wanted - self._states.keys()
        if unknown:
            found = _index(await self._client.read_by("states", "id", unknown, display="[id,iso_code]"), "id")
            self._states |= {state_id: as_text(found.get(state_id, {}).get("iso_code")) for state_id in unknown}
        return {state_id: self._states[state_id] for state_id in wanted if self._states[state_id]}

    async def _cart_rule_codes(self, rule_ids: set[str]) -> dict[str, str]:
        """Codes of the cart rules, when the key may read them; without them vouchers have names only."""
        if not self._cart_rules_readable or not rule_ids - {"", "0"}:
            return {}
        try:
            rows = await self._client.read_by("cart_rules", "id", rule_ids, display="[id,code]")
        except (AuthenticationFailure, DataError) as exc:
            log.warning("shop %s: cart rule codes cannot be read (%s); vouchers come without their code",
                        self._config.name, exc)
            self._cart_rules_readable = isinstance(exc, DataError)
            return {}
        return {as_text(row.get("id")): as_text(row.get("code")) for row in rows if as_text(row.get("code"))}


def _values(rows: Iterable[Row], key: str) -> set[str]:
    return {as_text(row.get(key)) for row in rows}


def _index(rows: Iterable[Row], key: str) -> dict[str, Row]:
    return {as_text(row.get(key)): row for row in rows}


def _group(rows: Iterable[Row], key: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[as_text(row.get(key))].append(row)
    return grouped
