"""Telling a PrestaShop shop what the ERP did with its orders: states, shipments, notes, documents.

**States** (``set_order_status``): the SaleState is mapped through ``order_states`` (a state with no
mapping — ON_HOLD and BLOCKED by default — changes nothing in the shop). The change is an
``order_histories`` POST, as the back office makes it (OrderHistory::changeIdOrderState: stock,
invoice, payment, mail), with ``sendemail=1`` when the update asks to notify the customer or the
shop's ``send_email`` is set. PrestaShop 8.1.2 answers that POST with a 500 "Unable to save
resource" when the mail cannot leave although the state is saved (04-writes/059): the order is then
read again and the change taken as done. A state the order is in or has had is never sent again (it
would step the order back and mail the customer twice).

**Shipments**: a tracking number goes on the order's ``order_carriers`` row (PUT of the whole row,
04-writes/064) before the state changes, so that the "shipped" mail carries it. Each further
tracking number — a partial shipment, a second parcel — gets an ``order_carriers`` row of its own
(no weight, no cost): PrestaShop lists every row with its tracking link on the order page and in the
customer's order history, which is its way of showing several shipments. A tracking number already
on a row is not written again; one a person typed is never overwritten. ``update.carrier`` (the ERP's
carrier name) sets the row's carrier when it maps to a shop carrier (``carriers`` in the
configuration, else the shop's carrier of that name); the order's own ``id_carrier`` (the
customer's choice, on which its shipping cost was computed) is left alone. Several tracking numbers
in one update may be separated by commas, semicolons or spaces.

**Notes** (``add_order_note``): a private message on the order, the way the order page of the 8.1
back office adds one (AddOrderCustomerMessageHandler): a ``customer_thread`` for the order
(``id_order``, ``id_customer``, ``id_contact`` 0, the order's ``id_lang`` and ``id_shop``, the
customer's e-mail, status ``open``, a random token; an existing thread of the order is reused) and a
``customer_message`` with ``private=1``. That is what the order page shows in its Messages block
(CustomerThread::getCustomerMessagesOrder), marked private and never shown to the customer; the open
thread also appears in Customer Service. The legacy ``messages`` resource (table ``message``) is only
the cart's checkout comment, which PrestaShop 1.7+ copies into a customer thread at validation: the
order page does not show it. A note whose text is already among the order's messages (spacing
aside) is not added again. ``note_employee_id`` names the employee shown as its author.

**Documents** (``publish_documents``): PrestaShop makes its own invoice — an ``order_invoices`` row,
numbered in its own sequence, rendered as PDF from the order's data — when the order reaches a state
flagged ``invoice``, and its delivery slip likewise (``delivery_number``). The webservice can read
and write those rows (``number``, ``delivery_number``, ``note``…) but takes no file for an order:
``images`` are for catalog records, ``attachments`` are product downloads shown to every visitor
(an invoice there would be public), and a customer message's ``file_name`` names a file only the
shop front's contact form can upload. So the ERP's files are not uploaded (``files`` is accepted and
left unused), PrestaShop's numbering is left intact (writing an ERP number such as ``FAC-2026-0012``
into ``number`` or ``delivery_number``, integer sequences, would break it), and the ERP's numbers are
made known twice:

* in the ``note`` of the order's PrestaShop invoice, when it has one ("ERP invoice FAC-2026-0012"):
  the note shows next to the invoice in the order's Documents list and is printed on PrestaShop's
  invoice PDF, so the customer's copy points to the legal invoice; a merchant's own note is kept, the
  line is added below it;
* in a private order note listing each ERP invoice and delivery note with its date, so that staff
  find them in the ERP.

Both are idempotent: a number already in the invoice note or in one of the order's messages is not
written again; calling again once PrestaShop has made its invoice adds the line to that invoice.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from courroie.connectors.prestashop import mapping
from courroie.connectors.prestashop.client import NotFound, PrestaShopClient, filter_values
from courroie.connectors.prestashop.config import PrestaShopConfig
from courroie.connectors.prestashop.mapping import Row, as_int, as_text
from courroie.connectors.protocols import StatusUpdate
from courroie.errors import DataError, TransientError
from courroie.model import ErpDocument

log = logging.getLogger(__name__)

ORDER_FIELDS = "[id,id_customer,id_lang,id_shop,current_state]"
TRACKING_SEPARATORS = re.compile(r"[,;\s]+")
DOCUMENT_KINDS = {"invoice": "ERP invoice", "delivery_note": "ERP delivery note"}


def tracking_numbers(value: str | None) -> list[str]:
    """The tracking numbers of an update, in order, each once."""
    return list(dict.fromkeys(part for part in TRACKING_SEPARATORS.split(value or "") if part))


def document_label(document: ErpDocument) -> str:
    return f"{DOCUMENT_KINDS.get(document.kind, 'ERP ' + document.kind.replace('_', ' '))} {document.number}"


def mentions(text: str, label: str) -> bool:
    """``label`` ("ERP invoice FAC-1") appears in ``text`` as a whole (not as part of "FAC-10")."""
    return re.search(re.escape(label) + r"(?![\w/-])", text) is not None


@dataclass(frozen=True)
class _Notes:
    order: Row
    threads: list[Row]
    messages: list[str]


class OrderWriter:
    """States, shipments, notes and documents of one shop's orders."""

    def __init__(self, client: PrestaShopClient, config: PrestaShopConfig) -> None:
        self._client = client
        self._config = config
        self._carrier_ids: dict[str, str] | None = None
        self._carrier_lock = asyncio.Lock()

    # --- states and shipments

    async def set_order_status(self, update: StatusUpdate) -> None:
        state_id = self._config.order_states.get(update.state)
        trackings = tracking_numbers(update.tracking_number)
        if state_id is None and not trackings:
            log.debug("order %s: %s has no shop state; nothing to tell", update.order_id, update.state)
            return
        current, history = await asyncio.gather(self._current_state(update.order_id),
                                                self._past_states(update.order_id))
        if trackings:
            await self._set_shipments(update.order_id, trackings, update.carrier)   # before the state mail
        if state_id is None or current == state_id or state_id in history:
            log.debug("order %s already had state %s", update.order_id, state_id)
            return
        await self._add_history(update.order_id, state_id,
                                notify=update.notify_customer or self._config.send_email)

    async def _current_state(self, order_id: str) -> int:
        return as_int((await self._order(order_id, "[id,current_state]")).get("current_state"))

    async def _order(self, order_id: str, display: str = ORDER_FIELDS) -> Row:
        rows = await self._client.read("orders", display=display, filters={"id": filter_values([order_id])})
        if not rows:
            raise NotFound(f"order {order_id} not found in shop {self._config.name}")
        return rows[0]

    async def _past_states(self, order_id: str) -> set[int]:
        rows = await self._client.read("order_histories", display="[id,id_order_state]",
                                       filters={"id_order": filter_values([order_id])})
        return {as_int(row.get("id_order_state")) for row in rows}

    async def _add_history(self, order_id: str, state_id: int, *, notify: bool) -> None:
        params = {"sendemail": "1"} if notify else None
        try:
            await self._client.post("order_histories", [mapping.order_history_element(order_id, state_id)], params)
        except (DataError, TransientError) as exc:
            # 8.1.2 answers 500 "Unable to save resource" when the mail fails, yet the state is saved
            # (04-writes/059); after a timeout we are just as unsure. The order itself tells.
            if await self._current_state(order_id) == state_id:
                log.warning("order %s: state %s saved despite: %s", order_id, state_id, exc)
                return
            raise

    async def _set_shipments(self, order_id: str, trackings: Sequence[str], carrier: str | None) -> None:
        rows = sorted(await self._client.read("order_carriers", filters={"id_order": filter_values([order_id])}),
                      key=lambda row: as_int(row.get("id")))
        if not rows:     # nothing shipped by a carrier (virtual products): the state still matters
            log.warning("order %s has no carrier to hold tracking numbers %s", order_id, ", ".join(trackings))
            return
        carrier_id = await self._carrier_id(carrier) if carrier else None
        free = [row for row in rows if not as_text(row.get("tracking_number"))]
        for tracking in trackings:
            holder = next((row for row in rows if as_text(row.get("tracking_number")) == tracking), None)
            if holder is not None:
                if carrier_id and as_text(holder.get("id_carrier")) != carrier_id:
                    await self._put_carrier_row(holder, tracking, carrier_id)
                continue
            if free:
                await self._put_carrier_row(free.pop(0), tracking, carrier_id)
            else:
                await self._client.post("order_carriers", [mapping.new_order_carrier_element(
                    order_id, carrier_id or as_text(rows[0].get("id_carrier")), tracking)])

    async def _put_carrier_row(self, row: Row, tracking: str, carrier_id: str | None) -> None:
        await self._client.put("order_carriers", [mapping.order_carrier_element(row, tracking, carrier_id)],
                               as_text(row.get("id")))

    async def _carrier_id(self, name: str) -> str | None:
        """The shop carrier of the ERP's carrier name: configured, else the shop's carrier of that name."""
        if name in self._config.carriers:
            return str(self._config.carriers[name])
        async with self._carrier_lock:
            if self._carrier_ids is None:
                rows = await self._client.read("carriers", display="[id,name,deleted]")
                self._carrier_ids = {}
                for row in sorted(rows, key=lambda r: -as_int(r.get("id"))):   # the newest version of a carrier
                    if as_int(row.get("deleted")) != 1:
                        self._carrier_ids.setdefault(_fold(as_text(row.get("name"))), as_text(row.get("id")))
        carrier_id = self._carrier_ids.get(_fold(name))
        if carrier_id is None:
            log.warning("shop %s has no carrier named %r (map it in carriers); the order keeps its carrier",
                        self._config.name, name)
        return carrier_id

    # --- notes

    async def add_order_note(self, order_id: str, text: str) -> None:
        text = text.strip()
        if not text:
            return
        notes = await self._notes(order_id)
        if any(mapping.same_text(message, text) for message in notes.messages):
            return
        await self._post_note(notes, text)

    async def _notes(self, order_id: str) -> _Notes:
        order, threads = await asyncio.gather(
            self._order(order_id),
            self._client.read("customer_threads", display="[id,id_order,id_customer,email]",
                              filters={"id_order": filter_values([order_id])}))
        threads = sorted(threads, key=lambda row: as_int(row.get("id")))
        rows = await self._client.read_by("customer_messages", "id_customer_thread",
                                          [as_text(thread.get("id")) for thread in threads],
                                          display="[id,id_customer_thread,message]")
        return _Notes(order, threads, [as_text(row.get("message")) for row in rows])

    async def _post_note(self, notes: _Notes, text: str) -> None:
        if notes.threads:
            thread_id = as_text(notes.threads[0].get("id"))
        else:
            email = await self._customer_email(as_text(notes.order.get("id_customer")))
            created = await self._client.post("customer_threads", [
                mapping.customer_thread_element(notes.order, email, secrets.token_hex(6))])
            thread_id = as_text(created[0].get("id")) if created else ""
            if not thread_id:
                raise DataError(f"PrestaShop created a customer thread for order {notes.order.get('id')} "
                                "but its answer holds no id")
        await self._client.post("customer_messages", [
            mapping.customer_message_element(thread_id, text, self._config.note_employee_id)])

    async def _customer_email(self, customer_id: str) -> str:
        if customer_id in ("", "0"):
            return ""
        rows = await self._client.read("customers", display="[id,email]", filters={"id": filter_values([customer_id])})
        return as_text(rows[0].get("email")) if rows else ""

    # --- documents

    async def publish_documents(self, order_id: str, documents: Sequence[ErpDocument],
                                files: Mapping[str, bytes]) -> None:
        if not documents:
            return
        if files:
            log.debug("order %s: %d ERP files not uploaded (the webservice takes no file for an order)",
                      order_id, len(files))
        invoices, notes = await asyncio.gather(
            self._client.read("order_invoices", display="[id,id_order,number,note]",
                              filters={"id_order": filter_values([order_id])}),
            self._notes(order_id))
        erp_invoices = [document_label(d) for d in documents if d.kind == "invoice"]
        if invoices and erp_invoices:
            invoice = min(invoices, key=lambda row: as_int(row.get("id")))
            note = as_text(invoice.get("note"))
            missing = [label for label in erp_invoices if not mentions(note, label)]
            if missing:
                await self._client.update("order_invoices", as_text(invoice.get("id")), mapping.invoice_note_element(
                    as_text(invoice.get("id")), "\n".join(filter(None, [note, *missing]))))
        lines = [_document_line(d) for d in documents
                 if not any(mentions(message, document_label(d)) for message in notes.messages)]
        if lines:
            await self._post_note(notes, "\n".join(["Documents issued by the ERP:", *lines]))


def _document_line(document: ErpDocument) -> str:
    line = document_label(document)
    if document.issued_at is not None:
        line += f" of {document.issued_at:%Y-%m-%d}"
    if document.total_tax_incl:
        line += f", {document.total_tax_incl} tax incl."
    return line


def _fold(name: str) -> str:
    return " ".join(name.casefold().split())
