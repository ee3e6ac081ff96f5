"""Seed a Tryton 8.2 database as "Portails & Automatismes du Sud", a door and gate automation retailer.

Runs *inside* a process where trytond is configured (see :mod:`.build`); it talks to trytond's
Python API directly, in transactions of at most 50 records per ``create`` (larger batches overflow
SQLite's parser stack). The connector must never import this module: it reads the data through
JSON-RPC like any client.

Data contract (the Tryton connector relies on it)
-------------------------------------------------
- Login ``admin`` / :data:`~.contract.ADMIN_PASSWORD` (``courroie-admin``); user language ``en``;
  the user's company and warehouse (Toulouse) are set. A REST user application key
  (``res.user.application``, application ``rest``, validated) exists for ``admin``; its value is
  in the template metadata (``TemplateInfo.application_key``).
- Company "Portails & Automatismes du Sud", currency EUR, timezone Europe/Paris, French VAT number,
  address in Toulouse.
- Languages: ``en`` (main) and ``fr`` (translatable). Product names, variant descriptions,
  category names, attribute strings/selection labels, countries are in both: read them with
  context ``{"language": "fr"}``.
- SKU = ``product.product.code`` = template ``code`` + variant ``suffix_code``. A template without
  variants has exactly one product whose code is the template code (``suffix_code`` empty).
  Template codes look like ``MOT-BAT-400``, variant codes like ``MOT-BAT-400-24V``. Codes are unique.
- Variants: the template's ``attribute_set`` (``product.attribute.set``) lists the attributes;
  ``product.product.attributes`` is a dict attribute name -> selection key, e.g.
  ``{"voltage": "24v"}``, ``{"frequency": "433mhz", "channels": "2"}``. Attributes (name: keys):
  ``voltage``: 24v/230v; ``max_weight``: 400kg/600kg/800kg/1000kg; ``thrust``: 600n/800n/1000n;
  ``frequency``: 433mhz/868mhz; ``channels``: 2/4; ``material``: nylon/steel. Their ``string``
  and selection labels are translated (e.g. "Tension"/"Voltage", "433,92 MHz"/"433.92 MHz").
  Two more, ``protection`` (ip20/ip44/ip54/ip67) and ``warranty`` (1y/2y/3y), are in the sets of
  motors and powered equipment with the same value on every variant of a template
  (``catalog.FEATURE_VALUES``): characteristics a shop shows as features, not options.
  A shaped catalog (the benchmark's, ``catalog.Shape``) adds values (``catalog.EXTRA_VALUES``):
  ``max_weight`` 1500kg/2000kg, ``thrust`` 1200n/1500n/2000n, ``frequency`` 40mhz/30mhz/27mhz/315mhz,
  ``material`` nylon_steel/galvanised/stainless/zinc; its one-article templates of a set have a product
  without suffix nor option attributes. The figures below are those of the default catalog.
- Categories: ``product.category`` tree (``parent``), catalog categories have
  ``accounting = False`` (roots: Motorisation, Télécommandes, Accessoires, Sécurité, Pièces
  détachées, Kits, Services et documentation; three levels under Motorisation). About one template
  in three of some families is in a second category (``product.template.categories`` many2many).
  A category's key is its id. One more root, "Labels" ("Étiquettes"), holds New, Best sellers and
  Made in France (the brand Pyrenea): labels added to the templates' categories, which a shop uses
  as tags (``catalog.TAG_CATEGORIES``). Three more roots with ``accounting = True`` ("TVA 20 %", "TVA 10 %",
  "TVA 5,5 %") are *accounting* categories (``product.template.account_category``) and carry the
  customer taxes: over RPC read ``account_category.customer_taxes_used`` on the template
  (``customer_taxes_used`` on the template itself is a Python property, not a readable field).
- EAN-13 (valid check digit): ``product.identifier`` with ``type = "ean"`` on product.product, on
  about 90 % of the goods, none on services; the book's EAN is its ISBN-13. The brand (Sudmatic,
  Occitek, Autan Systems, Pyrenea) is a ``product.identifier`` of type ``brand`` on every variant of
  branded products, where Tryton's own product data feed (web_shop_product_data_feed) reads it.
- Weight: ``product.template.weight`` with ``weight_uom`` = kilogram (product_measurements);
  ``None`` on services. Dimensions: ``length``/``width``/``height`` in centimetres on goods and
  kits (no ``volume``: read-only once the three are set, an RPC ``copy`` would be refused).
- Prices: ``product.template.list_price`` tax excluded, the same for all variants (no variant
  price is set). ``cost_price`` is set on each product.product (55 % of the list price).
  Taxes: "TVA 20 %" (account.tax, rate 0.20) on most products, "TVA 10 %" on installation
  services, "TVA 5,5 %" on the book.
- Descriptions: ``product.product.description`` (translatable) holds the long HTML description
  (``<p>summary</p><ul><li>features</li></ul><p>Version : 24 V.</p>``). Tryton 8.2 has no
  template description nor short-description field: the first ``<p>`` is a one-sentence summary
  a shop can use as its short description.
- Pictures: ``product.image`` (JPEG 320×320, translated ``description``) of the first 300 non-service
  templates: the cover (sequence 1); kits also show their contents (2); remote controls have one
  per variant (``product`` set, sequence 10+). Manuals: an ``ir.attachment`` (one-page PDF,
  ``catalog.manual_pdf``) on each motor template among the first 300. Attachments are stored in
  the database file (``[attachment] filestore = False``): the template is copied elsewhere.
- Types: goods (stockable), ``service`` (POSE-BAT, POSE-COU, MAINT-AN and the carriers' shipping
  products PORT-COLISSIMO, PORT-DPD), ``kit`` (``KIT-*``, product_kit ``components`` on the
  template, no own stock: Tryton computes it from the components). Products of the catalog are
  ``salable`` with ``sale_uom`` = unit.
- Warehouses: ``stock.location`` with ``type = "warehouse"``, codes ``TLS`` (Toulouse) and ``BDX``
  (Bordeaux); storage locations ``TLS-STO`` and ``BDX-STO``. Stock was received by done
  ``stock.move`` from the supplier location into each storage location, so ``quantity`` and
  ``forecast_quantity`` read with context ``{"locations": [warehouse_id]}`` (or the storage id)
  give it. Some goods are out of stock in one warehouse, some in both.
- Countries: France, Belgium, Luxembourg, Monaco, Switzerland, Spain, Andorra, Italy, Germany (names in
  en and fr); a few of their regions as ``country.subdivision`` (code ISO 3166-2: FR-31, FR-33, ES-B,
  ES-M, IT-MI, IT-RM, IT-TO) for addresses with a state (``Address.state_code`` "RM" → "IT-RM").
- Customers: ``party.party`` with ``contact_mechanisms`` of type ``email`` (and ``phone``) and a
  ``party.address`` in France; B2B customers are in party category "Professionnels", have an
  ``eu_vat`` identifier and ``sale_price_list`` = "Tarif pro".
- Price lists (``catalog.price_lists(catalog, build day)``): "Public" (``unit_price``), "Tarif pro"
  (B2B: 25 % off from 10 units, 15 % off spare parts, else 20 % off) and "Soldes" (dated lines of
  product_price_list_dates: 20 % off remote controls from ten days before the build to the end of
  its year, 30 % off flashing lights in June of the year before, PHO-100 at 29.90 from 10 January
  to 6 February of the year after; else the list price). No default sale price list.
- Carriers: "Colissimo" and "DPD" (``carrier`` with ``carrier_cost_method = "product"``, their
  parties are "Colissimo" and "DPD France").
- Payment journals (``account.payment.journal``, process method ``manual``, EUR): "Stripe",
  "PayPal", "Chèques". Payment term "Comptant" (default customer payment term); Tryton's own terms
  ("Net 30 days", "End of Month"…) are there too. A payment of a sale (sale_payment:
  ``account.payment`` with ``origin`` the sale) is taken to "succeeded" by ``submit``, the wizard
  ``account.payment.process`` (a payment group) and ``succeed``; once a quotation's succeeded payments
  cover its total, Tryton confirms it. Posting an invoice warns that the company's VAT number was
  not checked (VIES): answer with a ``res.user.warning`` (``rpc.Rpc.click``). Invoices are numbered
  ``FA<year>-00001``; their report is cached as ODT when posted (no LibreOffice to make a PDF).
- Promotions (``catalog.promotions``): "Code de bienvenue" (10 % off) usable only with coupon number
  ``BIENVENUE10``; "Remise pro sécurité" (10 % off Sécurité, price list Tarif pro only, running);
  "Soldes d'hiver télécommandes" (5 € off two remotes from an untaxed order of 100 €, next January);
  "Lot de 3 photocellules" (15 % off from 3 photocells: a minimal quantity no shop campaign has).
  None applies to a sale without a coupon nor price list, so hub sale totals are plain list prices.
- Fiscal years: the build year, the one before and the one after, monthly periods, invoice
  sequences; minimal French chart of accounts.
- Sales created by the hub put the shop's order reference in ``sale.sale.reference``. Over RPC
  (no ``on_change``) a sale line needs explicit ``unit``, ``unit_price`` and ``taxes``; quoting a
  sale that has a ``carrier`` and ``shipment_cost_method = "order"`` adds the carrier's shipping
  line. Confirming processes it at once (shipment from the sale's warehouse, draft invoice).

Data shape (``build_catalog(n)`` in :mod:`.catalog` is the source of truth: deterministic, seeded,
and prefix-stable, so the first SKUs of a 10,000-SKU database are those of the 240-SKU one)
---------------------------------------------------------------------------------------------
For the default ``n = 240`` catalog SKUs:

- 138 templates: 131 goods (incl. the book LIV-GUIDE), 3 services, 4 kits (KIT-100..KIT-130);
  84 templates have an attribute set, 83 of them several variants (2 to 4); 55 have one product;
- 240 catalog product.product + 2 carrier products (PORT-COLISSIMO, PORT-DPD) = 242;
- 29 catalog categories (7 roots, 3 levels) + 4 label categories + 3 accounting categories; 19 templates
  in 2 catalog categories;
- 8 attributes, 7 attribute sets; 218 EAN-13 identifiers;
- stock (goods variants, 233): 161 in both warehouses, 29 in Toulouse only, 22 in Bordeaux only,
  21 in none; 373 done moves. Anchors: MOT-BAT-400-24V TLS 4 / BDX 1, MOT-BAT-400-230V TLS 2 /
  BDX 8, MOT-VER-300-24V none, MOT-ENT-500-230V Bordeaux only, MOT-GAR-600-800N has no EAN;
- 175 pictures (36 of variants), 38 manuals, 236 brand identifiers, 51 templates with feature
  attributes, 46 with labels;
- 10 customers (6 consumers, 4 professionals), 2 carriers, 3 payment journals, 3 price lists,
  4 promotions.

For ``n = 380`` (the tests' default): 207 templates (5 kits), 277 pictures (68 of variants, 1.7 MB),
62 manuals. For ``n = 10,000``: 5,495 templates (86 kits), 9,027 EANs, 16,134 stock moves,
407 pictures, 92 manuals.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError

from . import contract
from .catalog import Catalog, Category, Picture, Product, manual_pdf, price_lists, promotions

BATCH = 50  # records per create/write call (gotcha: ~100 overflows SQLite's parser stack)
MOVE_BATCH = 100  # stock moves have no exclusion constraint: larger batches validate faster

Record = Any  # trytond records are dynamically typed
T = TypeVar("T")


@dataclass(frozen=True)
class BaseInfo:
    company_id: int
    application_key: str


def run(database: str, function: Callable[..., T], *args: Any, **context: Any) -> T:
    """Call ``function`` in a root transaction committed on success (language en by default).

    trytond asks for a retry with table/record locks (``TransactionError``) the first time a
    singleton or a sequence is written; the whole call is replayed after the rollback, as its
    own dispatcher does. Records must not cross transactions: pass ids.
    """
    context.setdefault("language", "en")
    extras: dict[str, Any] = {}
    while True:
        try:
            with Transaction().start(database, 0, context=context, **extras):
                return function(*args)
        except TransactionError as error:
            error.fix(extras)


def chunks(items: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def sku_chunks(products: Sequence[Product], size: int = BATCH) -> Iterator[Sequence[Product]]:
    """Templates in batches of at most ``size`` variants: nested variants count for SQLite too."""
    start = count = 0
    for index, product in enumerate(products):
        if count + len(product.variants) > size:
            yield products[start:index]
            start, count = index, 0
        count += len(product.variants)
    if start < len(products):
        yield products[start:]


def create(model: str, values: Sequence[dict[str, Any]]) -> list[Record]:
    """Create in batches within the current transaction."""
    Model = Pool().get(model)
    records: list[Record] = []
    for chunk in chunks(values):
        records.extend(Model.create(list(chunk)))
    return records


def translate(model: str, records: Sequence[Record], values: Sequence[dict[str, Any]]) -> None:
    """Store French values of translatable fields.

    Goes through ``ir.translation.set_ids``, the call ``write`` makes for such fields, without
    re-validating every record: it halves the catalog seeding time.
    """
    Translation = Pool().get("ir.translation")
    pairs = list(zip(records, values, strict=True))
    for chunk in chunks(pairs):
        ids = [record.id for record, _ in chunk]
        for field_name in chunk[0][1]:
            texts = [vals[field_name] for _, vals in chunk]
            Translation.set_ids(f"{model},{field_name}", "model", "fr", ids, texts)


def ref(module: str, xml_id: str) -> int:
    return int(Pool().get("ir.model.data").get_id(module, xml_id))


# --------------------------------------------------------------------------- base: company & co


def seed_base(database: str, today: dt.date) -> BaseInfo:
    """Everything but the catalog: company, accounting, warehouses, carriers, customers…"""
    company_id = run(database, _create_company)
    key = run(database, _set_up_company, company_id, today, company=company_id)
    return BaseInfo(company_id=company_id, application_key=key)


def _create_company() -> int:
    eur = _currency()
    countries = _countries()
    _subdivisions(countries)
    return int(_company(eur, countries["FR"]).id)


def _set_up_company(company_id: int, today: dt.date) -> str:
    pool = Pool()
    company = pool.get("company.company")(company_id)
    (france,) = pool.get("country.country").search([("code", "=", "FR")])
    _user(company)
    accounts = _chart(company)
    taxes = _taxes(company, accounts)
    _accounting_categories(taxes, accounts)
    _fiscal_years(company, today)
    term = _payment_term()
    _account_configuration(accounts, term)
    _warehouses(company)
    _payment_journals(company, company.currency)
    _carriers()
    price_lists = _price_lists(company)
    _customers(france, price_lists[contract.PRICE_LIST_B2B])
    return _application_key()


def _currency() -> Record:
    (eur,) = create(
        "currency.currency",
        [{"name": "Euro", "code": "EUR", "numeric_code": "978", "symbol": "€",
          "rounding": Decimal("0.01"), "digits": 2}],
    )  # fmt: skip
    return eur


_COUNTRIES = (  # code, code3, numeric, en, fr
    ("FR", "FRA", "250", "France", "France"),
    ("BE", "BEL", "056", "Belgium", "Belgique"),
    ("LU", "LUX", "442", "Luxembourg", "Luxembourg"),
    ("MC", "MCO", "492", "Monaco", "Monaco"),
    ("CH", "CHE", "756", "Switzerland", "Suisse"),
    ("ES", "ESP", "724", "Spain", "Espagne"),
    ("AD", "AND", "020", "Andorra", "Andorre"),
    ("IT", "ITA", "380", "Italy", "Italie"),
    ("DE", "DEU", "276", "Germany", "Allemagne"),
)


def _countries() -> dict[str, Record]:
    values = [{"code": c, "code3": c3, "code_numeric": n, "name": en} for c, c3, n, en, _ in _COUNTRIES]
    records = create("country.country", values)
    translate("country.country", records, [{"name": fr} for *_, fr in _COUNTRIES])
    return {r.code: r for r in records}


_SUBDIVISIONS = (  # ISO 3166-2 code, name, Tryton type: regions of the shops' addresses (state_code)
    ("FR-31", "Haute-Garonne", "metropolitan department"),
    ("FR-33", "Gironde", "metropolitan department"),
    ("ES-B", "Barcelona", "province"),
    ("ES-M", "Madrid", "province"),
    ("IT-MI", "Milano", "province"),        # Tryton's addresses in Italy name provinces only
    ("IT-RM", "Roma", "province"),
    ("IT-TO", "Torino", "province"),
)


def _subdivisions(countries: dict[str, Record]) -> None:
    create("country.subdivision", [
        {"code": code, "name": name, "type": kind, "country": countries[code[:2]].id}
        for code, name, kind in _SUBDIVISIONS
    ])  # fmt: skip


def _company(eur: Record, france: Record) -> Record:
    from stdnum.fr import siren

    siren_number = "443061841"
    (party,) = create("party.party", [{
        "name": contract.COMPANY_NAME,
        "lang": _lang("fr"),
        "addresses": [("create", [
            {"street": "12 rue des Artisans", "postal_code": "31100", "city": "Toulouse",
             "country": france.id},
            {"street": "8 avenue de la Jallère", "postal_code": "33300", "city": "Bordeaux",
             "country": france.id, "invoice": False},
        ])],
        "contact_mechanisms": [("create", [
            {"type": "email", "value": "contact@portails-sud.example"},
            {"type": "phone", "value": "+33 5 61 00 00 00"},
            {"type": "website", "value": "https://www.portails-sud.example"},
        ])],
        "identifiers": [("create", [
            {"type": "eu_vat", "code": "FR" + siren.to_tva(siren_number)},
            {"type": "fr_siren", "code": siren_number},
        ])],
    }])  # fmt: skip
    (company,) = create(
        "company.company", [{"party": party.id, "currency": eur.id, "timezone": "Europe/Paris"}]
    )
    return company


def _lang(code: str) -> int:
    (lang,) = Pool().get("ir.lang").search([("code", "=", code)])
    return int(lang.id)


def _user(company: Record) -> None:
    User = Pool().get("res.user")
    (admin,) = User.search([("login", "=", contract.ADMIN_LOGIN)])
    User.write([admin], {"companies": [("add", [company.id])], "company": company.id})


def _chart(company: Record) -> dict[str, Record]:
    """Create the minimal French chart through its wizard, the way Tryton's own tests do."""
    pool = Pool()
    CreateChart = pool.get("account.create_chart", type="wizard")
    AccountTemplate = pool.get("account.account.template")
    session_id, _, _ = CreateChart.create()
    wizard = CreateChart(session_id)
    wizard.account.account_template = AccountTemplate(ref("account", "account_template_root_fr"))
    wizard.account.company = company
    wizard.transition_create_account()
    return {
        name: _account(company, xml_id)
        for name, xml_id in {
            "receivable": "account_template_1_2_1_fr",
            "payable": "account_template_2_1_1_fr",
            "revenue": "account_template_4_1_1_fr",
            "revenue_services": "account_template_4_1_2_fr",
            "expense": "account_template_5_1_1_fr",
            "tax": "account_template_6_3_4_fr",
            "cash": "account_template_1_1_1_fr",
        }.items()
    }


def _account(company: Record, template_xml_id: str) -> Record:
    Account = Pool().get("account.account")
    (account,) = Account.search(
        [("template", "=", ref("account", template_xml_id)), ("company", "=", company.id)]
    )
    return account


_TAXES = {  # key: (name, rate)
    "vat20": ("TVA 20 %", "0.20"),
    "vat10": ("TVA 10 %", "0.10"),
    "vat5_5": ("TVA 5,5 %", "0.055"),
}


def _taxes(company: Record, accounts: dict[str, Record]) -> dict[str, Record]:
    tax_account = accounts["tax"].id
    values = [
        {"name": name, "description": name, "type": "percentage", "rate": Decimal(rate),
         "company": company.id, "invoice_account": tax_account, "credit_note_account": tax_account}
        for name, rate in _TAXES.values()
    ]  # fmt: skip
    return dict(zip(_TAXES, create("account.tax", values), strict=True))


def _accounting_categories(taxes: dict[str, Record], accounts: dict[str, Record]) -> None:
    values = []
    for key, (name, _) in _TAXES.items():
        revenue = accounts["revenue_services" if key == "vat10" else "revenue"]
        values.append({
            "name": name, "accounting": True,
            "account_revenue": revenue.id, "account_expense": accounts["expense"].id,
            "customer_taxes": [("add", [taxes[key].id])],
        })  # fmt: skip
    create("product.category", values)


def accounting_category(tax: str) -> int:
    Category = Pool().get("product.category")
    (category,) = Category.search([("name", "=", _TAXES[tax][0]), ("accounting", "=", True)])
    return int(category.id)


def _fiscal_years(company: Record, today: dt.date) -> None:
    pool = Pool()
    FiscalYear = pool.get("account.fiscalyear")
    move_type = ref("account", "sequence_type_account_move")
    invoice_type = ref("account_invoice", "sequence_type_account_invoice")
    years = []
    for year in (today.year - 1, today.year, today.year + 1):
        move_seq, invoice_seq, credit_seq = create("ir.sequence.strict", [
            {"name": f"Écritures {year}", "sequence_type": move_type, "company": company.id},
            {"name": f"Factures {year}", "sequence_type": invoice_type, "company": company.id,
             "prefix": f"FA{year}-", "padding": 5},
            {"name": f"Avoirs {year}", "sequence_type": invoice_type, "company": company.id,
             "prefix": f"AV{year}-", "padding": 5},
        ])  # fmt: skip
        years += create("account.fiscalyear", [{
            "name": str(year), "company": company.id, "move_sequence": move_seq.id,
            "start_date": dt.date(year, 1, 1), "end_date": dt.date(year, 12, 31),
            "invoice_sequences": [("create", [{
                "company": company.id,
                "out_invoice_sequence": invoice_seq.id, "out_credit_note_sequence": credit_seq.id,
                "in_invoice_sequence": invoice_seq.id, "in_credit_note_sequence": credit_seq.id,
            }])],
        }])  # fmt: skip
    FiscalYear.create_period(years)


def _payment_term() -> Record:
    (term,) = create(
        "account.invoice.payment_term",
        [{"name": "Comptant", "lines": [("create", [{"type": "remainder"}])]}],
    )
    return term


def _account_configuration(accounts: dict[str, Record], term: Record) -> None:
    Configuration = Pool().get("account.configuration")
    config = Configuration(1)
    config.default_account_receivable = accounts["receivable"]
    config.default_account_payable = accounts["payable"]
    config.default_customer_payment_term = term
    config.save()


def _warehouses(company: Record) -> None:
    """Turn the default warehouse into Toulouse (TLS) and add Bordeaux (BDX)."""
    pool = Pool()
    Location = pool.get("stock.location")
    addresses = {a.city: a for a in company.party.addresses}
    toulouse = Location(ref("stock", "location_warehouse"))
    Location.write([toulouse], {"name": "Toulouse", "code": "TLS",
                                "address": addresses["Toulouse"].id})  # fmt: skip
    for xml_id, code, name in (("location_input", "TLS-IN", "Réception Toulouse"),
                               ("location_output", "TLS-OUT", "Expédition Toulouse"),
                               ("location_storage", "TLS-STO", "Stock Toulouse")):  # fmt: skip
        Location.write([Location(ref("stock", xml_id))], {"code": code, "name": name})
    parts = create("stock.location", [
        {"name": "Réception Bordeaux", "code": "BDX-IN", "type": "storage"},
        {"name": "Expédition Bordeaux", "code": "BDX-OUT", "type": "storage"},
        {"name": "Stock Bordeaux", "code": "BDX-STO", "type": "storage"},
    ])  # fmt: skip
    (bordeaux,) = create("stock.location", [{
        "name": "Bordeaux", "code": "BDX", "type": "warehouse",
        "address": addresses["Bordeaux"].id,
        "input_location": parts[0].id, "output_location": parts[1].id,
        "storage_location": parts[2].id,
    }])  # fmt: skip
    Location.write(list(parts), {"parent": bordeaux.id})
    User = pool.get("res.user")
    User.write(User.search([("login", "=", contract.ADMIN_LOGIN)]), {"warehouse": toulouse.id})


def warehouse_storage() -> dict[str, int]:
    """Warehouse code -> storage location id."""
    Location = Pool().get("stock.location")
    return {w.code: w.storage_location.id for w in Location.search([("type", "=", "warehouse")])}


def _payment_journals(company: Record, eur: Record) -> None:
    create("account.payment.journal", [
        {"name": name, "company": company.id, "currency": eur.id, "process_method": "manual"}
        for name in ("Stripe", "PayPal", "Chèques")
    ])  # fmt: skip


_CARRIERS = (  # name, party, product code, price, fr name, en name
    ("Colissimo", "Colissimo", "PORT-COLISSIMO", "8.90",
     "Livraison Colissimo à domicile", "Colissimo home delivery"),
    ("DPD", "DPD France", "PORT-DPD", "12.50",
     "Livraison DPD Predict", "DPD Predict delivery"),
)  # fmt: skip


def _carriers() -> None:
    unit = ref("product", "uom_unit")
    parties = create("party.party", [{"name": c[1]} for c in _CARRIERS])
    templates = create("product.template", [
        {"name": en, "code": code, "type": "service", "default_uom": unit, "salable": True,
         "sale_uom": unit, "list_price": Decimal(price),
         "account_category": accounting_category("vat20"),
         "products": [("create", [{"cost_price": Decimal(0)}])]}
        for _, _, code, price, _, en in _CARRIERS
    ])  # fmt: skip
    translate("product.template", templates, [{"name": c[4]} for c in _CARRIERS])
    create("carrier", [
        {"party": party.id, "carrier_product": template.products[0].id,
         "carrier_cost_method": "product"}
        for party, template in zip(parties, templates, strict=True)
    ])  # fmt: skip


def _price_lists(company: Record) -> dict[str, Record]:
    """The lists, without lines: theirs name categories and products (see :func:`_price_lines`)."""
    values = [{"name": name, "company": company.id, "price": "list_price"} for name in contract.PRICE_LISTS]
    return {r.name: r for r in create("product.price_list", values)}


# name, email, street, postal code, city, phone, B2B SIREN (None for consumers)
_CUSTOMERS = (
    ("Marie Dupont", "marie.dupont@example.org", "5 rue des Lilas", "31200", "Toulouse",
     "+33 6 12 34 56 78", None),
    ("Jean Martin", "jean.martin@example.org", "18 cours de l'Intendance", "33000", "Bordeaux",
     "+33 6 23 45 67 89", None),
    ("Sophie Bernard", "sophie.bernard@example.org", "3 impasse des Oliviers", "34000",
     "Montpellier", "+33 6 34 56 78 90", None),
    ("Luc Moreau", "luc.moreau@example.org", "27 avenue du Béarn", "64000", "Pau",
     "+33 6 45 67 89 01", None),
    ("Claire Lefèvre", "claire.lefevre@example.org", "9 quai Vauban", "66000", "Perpignan",
     "+33 6 56 78 90 12", None),
    ("Hugo Garcia", "hugo.garcia@example.org", "41 rue de la Madeleine", "30000", "Nîmes",
     "+33 6 67 89 01 23", None),
    ("Automatismes Garonne SARL", "commandes@automatismes-garonne.example",
     "14 zone artisanale du Pont", "47000", "Agen", "+33 5 53 00 11 22", "512345671"),
    ("Fermetures Côte Basque", "achats@fermetures-cote-basque.example", "2 rue des Forges",
     "64100", "Bayonne", "+33 5 59 00 22 33", "498765437"),
    ("Portails Occitans SAS", "pro@portails-occitans.example", "60 route de Limoux", "11000",
     "Carcassonne", "+33 4 68 00 33 44", "823456785"),
    ("Domotique Atlantique", "contact@domotique-atlantique.example", "7 quai Valin", "17000",
     "La Rochelle", "+33 5 46 00 44 55", "356789010"),
)  # fmt: skip


def _customers(france: Record, b2b_list: Record) -> None:
    from stdnum import luhn
    from stdnum.fr import siren

    (pro,) = create("party.category", [{"name": "Professionnels"}])
    values = []
    for name, email, street, postal_code, city, phone, siren_base in _CUSTOMERS:
        party: dict[str, Any] = {
            "name": name,
            "lang": _lang("fr"),
            "addresses": [("create", [{"street": street, "postal_code": postal_code,
                                       "city": city, "country": france.id}])],
            "contact_mechanisms": [("create", [{"type": "email", "value": email},
                                               {"type": "phone", "value": phone}])],
        }  # fmt: skip
        if siren_base:
            number = siren_base[:8] + luhn.calc_check_digit(siren_base[:8])
            party["identifiers"] = [("create", [{"type": "eu_vat",
                                                 "code": "FR" + siren.to_tva(number)}])]
            party["categories"] = [("add", [pro.id])]
            party["sale_price_list"] = b2b_list.id
        values.append(party)
    create("party.party", values)


def _application_key() -> str:
    User = Pool().get("res.user")
    (admin,) = User.search([("login", "=", contract.ADMIN_LOGIN)])
    (application,) = create(
        "res.user.application", [{"user": admin.id, "application": "rest", "state": "validated"}]
    )
    return str(application.key)


# --------------------------------------------------------------------------- catalog


def seed_catalog(database: str, company_id: int, catalog: Catalog, today: dt.date) -> None:
    """Categories, attributes, products with variants, kits, pictures, manuals, stock, price list
    lines and promotions.

    One transaction per batch of templates, so memory stays flat on 10,000+ products.
    """
    ctx = {"company": company_id}
    categories, attribute_sets = run(database, _catalog_structure, catalog, **ctx)
    products: dict[str, int] = {}
    for chunk in sku_chunks(catalog.products):
        products.update(run(database, _templates, chunk, categories, attribute_sets, **ctx))
    run(database, _kit_components, catalog, products, **ctx)
    illustrated = [p for p in catalog.products if p.pictures or p.documents]
    for chunk in chunks(illustrated, BATCH // 2):  # ≤ 2 pictures a product on average
        run(database, _images, chunk, products, **ctx)
        run(database, _documents, chunk, **ctx)
    run(database, _price_lines, catalog, categories, products, today, **ctx)
    run(database, _promotions, company_id, catalog, categories, products, today, **ctx)
    moves = run(database, _stock_moves, company_id, catalog, products, today, **ctx)
    for chunk in chunks(moves, MOVE_BATCH):
        run(database, _receive, chunk, **ctx)


def _catalog_structure(catalog: Catalog) -> tuple[dict[str, int], dict[str, int]]:
    categories = _categories([*catalog.categories, *catalog.tag_categories])
    attribute_sets = _attributes(catalog)
    return categories, attribute_sets


def _categories(all_categories: Sequence[Category]) -> dict[str, int]:
    """Create parents before children; return category key -> id."""
    ids: dict[str, int] = {}
    for depth in range(1, 4):
        level = [c for c in all_categories if c.key.count("/") == depth - 1]
        records = create("product.category", [
            {"name": c.en, "parent": ids[c.parent] if c.parent else None} for c in level
        ])  # fmt: skip
        translate("product.category", records, [{"name": c.fr} for c in level])
        ids.update({c.key: r.id for c, r in zip(level, records, strict=True)})
    return ids


def _attributes(catalog: Catalog) -> dict[str, int]:
    def selection(values: Iterable[tuple[str, str, str]], lang: int) -> str:
        return "\n".join(f"{key}:{labels[lang]}" for key, *labels in values)

    attributes = create("product.attribute", [
        {"name": a.name, "string": a.en, "type_": "selection", "selection": selection(a.values, 1)}
        for a in catalog.attributes
    ])  # fmt: skip
    translate("product.attribute", attributes, [
        {"string": a.fr, "selection": selection(a.values, 0)} for a in catalog.attributes
    ])  # fmt: skip
    by_name = {a.name: a.id for a in attributes}
    sets = create("product.attribute.set", [
        {"name": s.en, "attributes": [("add", [by_name[n] for n in s.attributes])]}
        for s in catalog.attribute_sets
    ])  # fmt: skip
    translate("product.attribute.set", sets, [{"name": s.fr} for s in catalog.attribute_sets])
    return {s.key: r.id for s, r in zip(catalog.attribute_sets, sets, strict=True)}


def _templates(
    products: Sequence[Product], categories: dict[str, int], attribute_sets: dict[str, int]
) -> dict[str, int]:
    """Create templates with their variants, EANs and brands; return SKU -> product.product id."""
    unit, kg = ref("product", "uom_unit"), ref("product", "uom_kilogram")
    tax_categories = {tax: accounting_category(tax) for tax in ("vat20", "vat10", "vat5_5")}
    values = []
    for p in products:
        values.append({
            "name": p.name_en, "code": p.code, "type": p.type, "default_uom": unit,
            "salable": True, "sale_uom": unit, "list_price": p.list_price,
            "account_category": tax_categories[p.tax],
            "categories": [("add", [categories[c] for c in (*p.categories, *p.tags)])],
            "attribute_set": attribute_sets[p.attribute_set] if p.attribute_set else None,
            "weight": p.weight, "weight_uom": kg if p.weight is not None else None,
            **_measurements(p),
            "products": [("create", [
                {"suffix_code": v.suffix, "attributes": v.attributes or None,
                 "description": v.description_en, "cost_price": p.cost_price,
                 "identifiers": [("create", _identifiers(v.ean, p.brand))]}
                for v in p.variants
            ])],
        })  # fmt: skip
    templates = create("product.template", values)
    translate("product.template", templates, [{"name": p.name_fr} for p in products])
    by_code = {v.code: v for t in templates for v in t.products}
    specs = [v for p in products for v in p.variants]
    variants = [by_code[v.code] for v in specs]
    translate("product.product", variants, [{"description": v.description_fr} for v in specs])
    return {v.code: v.id for v in variants}


def _measurements(product: Product) -> dict[str, Any]:
    """Dimensions in centimetres. No volume: Tryton's client works it out on change, and it is
    read-only once the three dimensions are set (an RPC ``copy`` of the template would be refused)."""
    if product.dimensions is None:
        return {}
    cm = ref("product", "uom_centimeter")
    length, width, height = product.dimensions
    return {"length": length, "length_uom": cm, "width": width, "width_uom": cm, "height": height,
            "height_uom": cm}  # fmt: skip


def _identifiers(ean: str | None, brand: str | None) -> list[dict[str, str]]:
    """The EAN, and the brand where Tryton's own product data feed looks for it."""
    return [*([{"type": "ean", "code": ean}] if ean else []), *([{"type": "brand", "code": brand}] if brand else [])]


def _kit_components(catalog: Catalog, products: dict[str, int]) -> None:
    unit = ref("product", "uom_unit")
    Template = Pool().get("product.template")
    kits = [p for p in catalog.products if p.type == "kit"]
    templates = {t.code: t.id for t in Template.search([("code", "in", [k.code for k in kits])])}
    create("product.component", [
        {"parent_template": templates[kit.code], "product": products[code],
         "quantity": quantity, "unit": unit}
        for kit in kits for code, quantity in kit.components
    ])  # fmt: skip


def _template_ids(products: Sequence[Product]) -> dict[str, int]:
    Template = Pool().get("product.template")
    return {t.code: t.id for t in Template.search([("code", "in", [p.code for p in products])])}


def _images(products: Sequence[Product], variants: dict[str, int]) -> None:
    templates = _template_ids(products)
    pictures = [(p, picture_) for p in products for picture_ in p.pictures]
    images = create("product.image", [
        {"template": templates[p.code], "product": variants[pic.variant] if pic.variant else None,
         "sequence": pic.sequence, "image": picture(p, pic), "description": pic.caption_en}
        for p, pic in pictures
    ])  # fmt: skip
    translate("product.image", images, [{"description": pic.caption_fr} for _, pic in pictures])


def _documents(products: Sequence[Product]) -> None:
    templates = _template_ids(products)
    create("ir.attachment", [
        {"resource": f"product.template,{templates[p.code]}", "name": d.filename, "type": "data",
         "data": manual_pdf(p.code), "description": d.title}
        for p in products for d in p.documents
    ])  # fmt: skip


def _price_lines(catalog: Catalog, categories: dict[str, int], products: dict[str, int], today: dt.date) -> None:
    PriceList = Pool().get("product.price_list")
    lists = {pl.name: pl.id for pl in PriceList.search([])}
    create("product.price_list.line", [
        {"price_list": lists[spec.name], "sequence": 10 * (i + 1), "formula": line.formula,
         "category": categories[line.category] if line.category else None,
         "product": products[line.product] if line.product else None,
         "quantity": line.quantity, "start_date": line.start, "end_date": line.end}
        for spec in price_lists(catalog, today) for i, line in enumerate(spec.lines)
    ])  # fmt: skip


def _promotions(
    company_id: int, catalog: Catalog, categories: dict[str, int], products: dict[str, int], today: dt.date
) -> None:
    PriceList = Pool().get("product.price_list")
    lists = {pl.name: pl.id for pl in PriceList.search([])}
    eur = Pool().get("company.company")(company_id).currency.id
    unit = ref("product", "uom_unit")
    values = []
    for spec in promotions(catalog, today):
        promotion: dict[str, Any] = {
            "name": spec.name, "company": company_id, "formula": spec.formula,
            "start_date": spec.start, "end_date": spec.end,
            "price_list": lists[spec.price_list] if spec.price_list else None,
            "categories": [("add", [categories[c] for c in spec.categories])],
            "products": [("add", [products[sku] for sku in spec.products])],
        }  # fmt: skip
        if spec.minimum_untaxed is not None:
            promotion.update(amount=spec.minimum_untaxed, currency=eur, untaxed_amount=True)
        if spec.minimum_quantity is not None:
            promotion.update(quantity=spec.minimum_quantity, unit=unit)
        if spec.coupon:
            # The number's own dates default to "from today": left open, like the promotion's.
            promotion["coupons"] = [("create", [{"company": company_id, "numbers": [("create", [
                {"number": spec.coupon, "company": company_id, "start_date": None}])]}])]  # fmt: skip
        values.append(promotion)
    create("sale.promotion", values)


_FAMILY_COLOURS = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a61c00")


def picture(product: Product, picture_: Picture) -> bytes:
    """A small deterministic JPEG: a coloured card with the product (or variant) code."""
    from PIL import Image, ImageDraw

    colour = _FAMILY_COLOURS[(sum(map(ord, product.family)) + picture_.sequence - 1) % len(_FAMILY_COLOURS)]
    image = Image.new("RGB", (320, 320), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 300), outline="white", width=6)
    draw.text((40, 150), picture_.variant or product.code, fill="white", font_size=24)
    draw.text((40, 200), str(picture_.sequence), fill="white", font_size=20)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _stock_moves(
    company_id: int, catalog: Catalog, products: dict[str, int], today: dt.date
) -> list[dict[str, Any]]:
    """Moves supplier -> storage, one per (variant, warehouse) with stock."""
    storage = warehouse_storage()
    supplier = ref("stock", "location_supplier")
    unit = ref("product", "uom_unit")
    eur = Pool().get("company.company")(company_id).currency.id
    return [
        {"product": products[v.code], "quantity": qty, "unit": unit, "from_location": supplier,
         "to_location": storage[wh], "planned_date": today, "effective_date": today,
         "company": company_id, "unit_price": p.cost_price, "currency": eur}
        for p in catalog.products for v in p.variants for wh, qty in v.stock.items() if qty > 0
    ]  # fmt: skip


def _receive(moves: Sequence[dict[str, Any]]) -> None:
    Move = Pool().get("stock.move")
    Move.do(Move.create(list(moves)))
