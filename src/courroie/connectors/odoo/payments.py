"""Shop payments as Odoo customer payments, for one sale or for a batch of sales in a few calls.

Everything the batch needs is read first, for all its sales at once: the sales, the commercial
partners of their invoice addresses, their invoices, the payments already there (by reference, the
guard of exactly-once). Then it is written together: drafts an interruption left are posted, new
payments are created in one ``create([...])`` and posted in one ``action_post``. When Odoo refuses a
write made for several sales (one transaction: nothing of it stays), it is made again for each sale
alone, so that one bad sale fails alone and the others are written once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from courroie.connectors.protocols import SalePayments, SaleTerms
from courroie.errors import DataError
from courroie.model import Payment

from . import mapping
from .client import OdooClient
from .config import OdooConfig
from .mapping import Row
from .references import References

logger = logging.getLogger(__name__)

SALE_FIELDS = ["name", "state", "client_order_ref", "partner_invoice_id", "currency_id", "invoice_ids"]
INVOICE_FIELDS = ["state", "move_type", "amount_residual", "name"]

# partner ids → their commercial partner (the company a contact belongs to, else itself)
CommercialPartners = Callable[[Sequence[int]], Awaitable[dict[int, int]]]


@dataclass
class _Registration:
    """A payment registered on the sale's open invoices (Odoo's "Register Payment")."""

    invoices: list[int]
    payment: Payment
    reference: str
    journal: int
    day: str


@dataclass
class _Plan:
    """What one sale's payments still need in Odoo."""

    key: str
    drafts: list[int] = field(default_factory=list)          # left in draft by an interruption: to post
    registrations: list[_Registration] = field(default_factory=list)
    new: list[Row] = field(default_factory=list)             # customer payments to create, then post
    created: list[int] = field(default_factory=list)


@dataclass
class _Batch:
    """What was read for the sales of one call."""

    sales: dict[str, Row]                 # sale key → sale.order row
    partners: dict[str, int]              # sale key → commercial partner
    invoices: dict[int, Row]
    recorded: list[Row]                   # payments already there (not cancelled), matched at most once


class PaymentBook:
    """Records shop payments on Odoo sales (see ``OdooErp.record_payments``)."""

    def __init__(self, client: OdooClient, refs: References, config: OdooConfig,
                 commercial_partners: CommercialPartners) -> None:
        self.client, self.refs, self.config = client, refs, config
        self._commercial_partners = commercial_partners

    async def record(self, sales: Sequence[SalePayments]) -> dict[str, DataError | None]:
        """Each sale's payments, once; a DataError for each sale whose payments cannot be recorded. A
        TransientError is raised for the whole call, which may be made again: what is there is found."""
        errors: dict[str, DataError | None] = dict.fromkeys(s.key for s in sales)
        wanted = self._wanted(sales, errors)
        batch = await self._read(wanted, errors)
        plans: list[_Plan] = []
        for item in sales:
            if errors[item.key] is None and item.key in wanted:
                plan = await self._plan(item.key, wanted[item.key], item.terms, batch, errors)
                plans += [plan] if plan else []
        await _together([p for p in plans if p.drafts], self._post_drafts, errors)
        for plan in _alive(plans, errors):
            if plan.registrations:                      # rare at import: the sale is invoiced already
                await _alone(plan, self._register, errors)
        await _together([p for p in _alive(plans, errors) if p.new], self._create, errors)
        await _together([p for p in _alive(plans, errors) if p.created], self._post_created, errors)
        return errors

    # --- read ----------------------------------------------------------------------------------------

    @staticmethod
    def _wanted(sales: Sequence[SalePayments], errors: dict[str, DataError | None]) -> dict[str, list[Payment]]:
        """Sale key → its payments with an amount; money given back is a person's work (DataError)."""
        wanted: dict[str, list[Payment]] = {}
        for item in sales:
            payments = [payment for payment in item.payments if payment.amount]
            refunds = [str(payment.amount) for payment in payments if payment.amount < 0]
            if refunds:
                errors[item.key] = DataError(f"refunds ({', '.join(refunds)}) are recorded in Odoo by a person, "
                                             "not by the hub", details={"sale": item.key, "refunds": refunds})
            elif payments:
                try:
                    mapping.record_id(item.key)
                    wanted[item.key] = payments
                except ValueError:
                    errors[item.key] = DataError(f"sale key {item.key!r} is not an Odoo id")
        return wanted

    async def _read(self, wanted: dict[str, list[Payment]], errors: dict[str, DataError | None]) -> _Batch:
        """The sales, their partners and invoices, and the payments already there: four calls at most."""
        if not wanted:
            return _Batch({}, {}, {}, [])
        rows = await self.client.read_in("sale.order", "id", [int(k) for k in wanted], SALE_FIELDS)
        by_id = {row["id"]: row for row in rows}
        sales: dict[str, Row] = {}
        for key in wanted:
            sale = by_id.get(int(key))
            if sale is None:
                errors[key] = DataError(f"Odoo order {key} no longer exists", details={"sale": key})
            elif sale["state"] == "cancel":
                errors[key] = DataError(f"Odoo order {sale['name']} is cancelled: no payment can be recorded on it",
                                        details={"sale": key})
            else:
                sales[key] = sale
        invoice_partner = {key: mapping.many2one_id(sale["partner_invoice_id"]) or 0 for key, sale in sales.items()}
        commercial = await self._commercial_partners(sorted(set(invoice_partner.values())))
        partners = {key: commercial.get(partner, partner) for key, partner in invoice_partner.items()}
        invoices = await self.client.read_in("account.move", "id", [i for s in sales.values()
                                                                    for i in s.get("invoice_ids") or []],
                                             INVOICE_FIELDS)
        references = sorted({mapping.payment_reference(payment, sales[key])
                             for key in sales for payment in wanted[key]})
        return _Batch(sales, partners, {i["id"]: i for i in invoices},
                      await self._recorded(references, sorted(set(partners.values()))))

    async def _recorded(self, references: list[str], partners: list[int]) -> list[Row]:
        if not references:
            return []
        dialect = (await self.client.session()).dialect
        field_name = dialect.payment_reference_field
        rows = await self.client.search_read(
            "account.payment", [(field_name, "in", references), ("partner_id", "in", partners),
                                ("payment_type", "=", "inbound")], ["amount", "state", "partner_id", field_name])
        return [row for row in rows if row.get("state") not in dialect.payment_void_states]

    # --- plan ----------------------------------------------------------------------------------------

    async def _plan(self, key: str, payments: list[Payment], terms: SaleTerms, batch: _Batch,
                    errors: dict[str, DataError | None]) -> _Plan | None:
        """What is left to do for one sale: a payment found already there (same reference and amount)
        is not added again, one left in draft is posted; a new one goes on the sale's open invoices
        while they are due, else it is a payment of the customer."""
        sale, partner = batch.sales[key], batch.partners[key]
        field_name = (await self.client.session()).dialect.payment_reference_field
        mine = [row for row in batch.recorded if mapping.many2one_id(row.get("partner_id")) == partner]
        open_invoices = sorted((i for n in sale.get("invoice_ids") or [] if (i := batch.invoices.get(n))
                                and mapping.is_invoice(i) and mapping.money_amount(i.get("amount_residual")) > 0),
                               key=lambda i: i["id"])
        due = sum((mapping.money_amount(i.get("amount_residual")) for i in open_invoices), Decimal(0))
        today = datetime.now(UTC).date()
        plan = _Plan(key)
        try:
            for payment in payments:
                reference = mapping.payment_reference(payment, sale)
                found = mapping.recorded_payment(mine, reference, payment.amount, field_name)
                if found is not None:
                    mine.remove(found)                  # two equal payments are two payments
                    batch.recorded.remove(found)
                    if found.get("state") == "draft":
                        plan.drafts.append(found["id"])
                    continue
                journal, day = await self.journal(payment.method, terms), mapping.payment_day(payment, today)
                if due > 0:
                    plan.registrations.append(_Registration([i["id"] for i in open_invoices], payment, reference,
                                                            journal, day))
                    due -= payment.amount
                    continue
                plan.new.append(mapping.payment_values(
                    payment, reference=reference, reference_field=field_name, partner=partner, journal=journal,
                    currency=mapping.many2one_id(sale.get("currency_id")), day=day))
        except DataError as error:
            errors[key] = error
            return None
        return plan

    async def journal(self, method: str, terms: SaleTerms) -> int:
        """The journal of a payment method: as the orders settings map it, else the journal named like
        the method, else the connection's ``payment_journal``."""
        mapped = terms.payment_journals.get(method)
        if mapped:
            journal = await self.refs.journal(mapped)
            if journal is None:
                raise DataError(f"no Odoo bank or cash journal named {mapped!r} (mapped to the shop's payment "
                                f"method {method!r})", details={"method": method, "journal": mapped})
            return journal
        for name in (method.strip(), self.config.payment_journal):
            if name and (journal := await self.refs.journal(name)) is not None:
                return journal
        raise DataError(f"no Odoo journal for the shop's payment method {method!r}: map it in the orders settings "
                        "(payment_journals), or set `payment_journal` of the Odoo connection",
                        details={"method": method})

    # --- write ---------------------------------------------------------------------------------------

    async def _post_drafts(self, plans: Sequence[_Plan]) -> None:
        await self.client.button("account.payment", "action_post", [d for p in plans for d in p.drafts])

    async def _register(self, plan: _Plan) -> None:
        """Odoo's "Register Payment" of invoices: a payment posted and reconciled with them."""
        for item in plan.registrations:
            context = {"active_model": "account.move", "active_ids": item.invoices}
            [wizard] = await self.client.create("account.payment.register", [{
                "amount": float(item.payment.amount), "journal_id": item.journal, "payment_date": item.day,
                "communication": item.reference}], context=context)
            await self.client.button("account.payment.register", "action_create_payments", [wizard], context=context)

    async def _create(self, plans: Sequence[_Plan]) -> None:
        ids = iter(await self.client.create("account.payment", [row for p in plans for row in p.new]))
        for plan in plans:
            plan.created = [next(ids) for _ in plan.new]

    async def _post_created(self, plans: Sequence[_Plan]) -> None:
        await self.client.button("account.payment", "action_post", [i for p in plans for i in p.created])  # None


def _alive(plans: Sequence[_Plan], errors: dict[str, DataError | None]) -> list[_Plan]:
    return [plan for plan in plans if errors[plan.key] is None]


async def _alone(plan: _Plan, step: Callable[[_Plan], Awaitable[None]], errors: dict[str, DataError | None]) -> None:
    try:
        await step(plan)
    except DataError as error:
        errors[plan.key] = error


async def _together(plans: Sequence[_Plan], step: Callable[[Sequence[_Plan]], Awaitable[None]],
                    errors: dict[str, DataError | None]) -> None:
    """``step`` for every plan in one call; when Odoo refuses it (nothing of it stays), for each plan
    alone, so that one bad sale fails alone."""
    if len(plans) > 1:
        try:
            await step(plans)
            return
        except DataError as error:
            logger.info("odoo: %s refused for %s sales (%s): one sale at a time", step.__name__.strip("_"),
                        len(plans), error)
    for plan in plans:
        await _alone(plan, lambda p: step([p]), errors)
