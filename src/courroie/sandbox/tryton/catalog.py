"""The catalog of the demo retailer as plain data: what :mod:`.seed` writes into Tryton.

Pure and deterministic (no trytond import, no I/O), so tests can compute what the database must
hold. ``build_catalog(n)`` is *prefix-stable*: the first products of a 240-SKU catalog are the first
products of a 10,000-SKU one (only the last template may lose variants to hit ``n`` exactly).
``build_catalog(n, shape=BENCH_SHAPE)`` mixes variants differently, for the benchmark (:class:`Shape`).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from .contract import PRICE_LIST_B2B, PRICE_LIST_PUBLIC, PRICE_LIST_SALES, RANDOM_SEED

Tax = Literal["vat20", "vat10", "vat5_5"]
ProductType = Literal["goods", "service", "kit"]


@dataclass(frozen=True)
class Category:
    key: str  # path-like stable key, e.g. "motorisation/battants/bras"
    fr: str
    en: str

    @property
    def parent(self) -> str | None:
        return self.key.rpartition("/")[0] or None


@dataclass(frozen=True)
class Attribute:
    name: str  # technical name, key of product.product.attributes
    fr: str
    en: str
    values: tuple[tuple[str, str, str], ...]  # (selection key, label fr, label en)

    def label(self, key: str, lang: str) -> str:
        value = next(v for v in self.values if v[0] == key)
        return value[1] if lang == "fr" else value[2]


@dataclass(frozen=True)
class AttributeSet:
    key: str
    fr: str
    en: str
    attributes: tuple[str, ...]


@dataclass(frozen=True)
class Variant:
    code: str  # the SKU: template code + suffix
    suffix: str | None
    attributes: dict[str, str]
    ean: str | None
    stock: dict[str, int]  # warehouse code -> quantity (goods only; 0 = none)
    description_en: str
    description_fr: str


@dataclass(frozen=True)
class Picture:
    """A ``product.image`` of a template; ``variant`` set: it shows that variant only."""

    sequence: int
    caption_en: str
    caption_fr: str
    variant: str | None = None  # SKU


@dataclass(frozen=True)
class Document:
    """An ``ir.attachment`` of a template (bytes: :func:`manual_pdf`)."""

    filename: str
    title: str  # first line of the attachment's description


@dataclass(frozen=True)
class Product:
    """One product.template and its product.product variants."""

    code: str
    family: str
    type: ProductType
    name_en: str
    name_fr: str
    categories: tuple[str, ...]  # category keys, the first is the main one
    attribute_set: str | None
    list_price: Decimal  # tax excluded
    cost_price: Decimal
    weight: float | None  # kg
    tax: Tax
    variants: tuple[Variant, ...]
    brand: str | None = None  # a "brand" product.identifier on each variant
    model_name: str | None = None  # "<brand> <series> <model>"
    components: tuple[tuple[str, int], ...] = ()  # kits: (variant code, quantity)
    dimensions: tuple[float, float, float] | None = None  # length, width, height in cm
    tags: tuple[str, ...] = ()  # keys of TAG_CATEGORIES (categories of the template too)
    pictures: tuple[Picture, ...] = ()
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class Catalog:
    categories: tuple[Category, ...]
    attributes: tuple[Attribute, ...]
    attribute_sets: tuple[AttributeSet, ...]
    products: tuple[Product, ...]
    tag_categories: tuple[Category, ...] = ()

    @property
    def variants(self) -> Iterator[Variant]:
        for product in self.products:
            yield from product.variants

    def variant(self, code: str) -> Variant:
        return next(v for v in self.variants if v.code == code)

    def product_of(self, code: str) -> Product:
        return next(p for p in self.products if any(v.code == code for v in p.variants))


CATEGORIES: tuple[Category, ...] = (
    Category("motorisation", "Motorisation", "Gate and door operators"),
    Category("motorisation/battants", "Portails battants", "Swing gates"),
    Category("motorisation/battants/bras", "Moteurs à bras", "Articulated arm operators"),
    Category("motorisation/battants/verins", "Vérins", "Linear rams"),
    Category("motorisation/battants/enterres", "Moteurs enterrés", "Underground operators"),
    Category("motorisation/coulissants", "Portails coulissants", "Sliding gates"),
    Category("motorisation/garage", "Portes de garage", "Garage doors"),
    Category("motorisation/garage/sectionnelles", "Portes sectionnelles", "Sectional doors"),
    Category("motorisation/garage/basculantes", "Portes basculantes", "Up-and-over doors"),
    Category("motorisation/barrieres", "Barrières levantes", "Barrier gates"),
    Category("telecommandes", "Télécommandes", "Remote controls"),
    Category("telecommandes/emetteurs", "Émetteurs", "Transmitters"),
    Category("telecommandes/recepteurs", "Récepteurs radio", "Radio receivers"),
    Category("accessoires", "Accessoires", "Accessories"),
    Category("accessoires/photocellules", "Photocellules", "Photocells"),
    Category("accessoires/feux", "Feux clignotants", "Flashing lights"),
    Category("accessoires/claviers", "Claviers à code", "Keypads"),
    Category("accessoires/selecteurs", "Sélecteurs à clé", "Key switches"),
    Category("accessoires/batteries", "Batteries de secours", "Backup batteries"),
    Category("accessoires/antennes", "Antennes", "Antennas"),
    Category("securite", "Sécurité", "Safety"),
    Category("securite/barres", "Barres palpeuses", "Safety edges"),
    Category("pieces", "Pièces détachées", "Spare parts"),
    Category("pieces/cartes", "Cartes électroniques", "Control boards"),
    Category("pieces/cremailleres", "Crémaillères", "Gear racks"),
    Category("pieces/bras", "Bras et rails", "Arms and rails"),
    Category("pieces/fins-de-course", "Fins de course", "Limit switches"),
    Category("kits", "Kits", "Kits"),
    Category("services", "Services et documentation", "Services and documentation"),
)

ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute("voltage", "Tension", "Voltage", (("24v", "24 V", "24 V"), ("230v", "230 V", "230 V"))),
    Attribute(
        "max_weight",
        "Poids de portail max.",
        "Max. gate weight",
        tuple((f"{w}kg", f"{w} kg", f"{w} kg") for w in (400, 600, 800, 1000)),
    ),
    Attribute(
        "thrust",
        "Force de traction",
        "Pulling force",
        tuple((f"{n}n", f"{n} N", f"{n} N") for n in (600, 800, 1000)),
    ),
    Attribute(
        "frequency",
        "Fréquence",
        "Frequency",
        (("433mhz", "433,92 MHz", "433.92 MHz"), ("868mhz", "868 MHz", "868 MHz")),
    ),
    Attribute(
        "channels", "Canaux", "Channels", (("2", "2 canaux", "2 channels"), ("4", "4 canaux", "4 channels"))
    ),
    Attribute("material", "Matière", "Material", (("nylon", "Nylon", "Nylon"), ("steel", "Acier", "Steel"))),
    # The same value on every variant of a template: characteristics (shop "features"), not options.
    Attribute(
        "protection",
        "Indice de protection",
        "Protection rating",
        tuple((f"ip{n}", f"IP{n}", f"IP{n}") for n in ("20", "44", "54", "67")),
    ),
    Attribute(
        "warranty",
        "Garantie",
        "Warranty",
        (("1y", "1 an", "1 year"), ("2y", "2 ans", "2 years"), ("3y", "3 ans", "3 years")),
    ),
)
FEATURE_ATTRIBUTES = ("protection", "warranty")

ATTRIBUTE_SETS: tuple[AttributeSet, ...] = (
    AttributeSet("swing", "Moteur de portail battant", "Swing gate operator", ("voltage", *FEATURE_ATTRIBUTES)),
    AttributeSet("sliding", "Moteur de portail coulissant", "Sliding gate operator",
                 ("voltage", "max_weight", *FEATURE_ATTRIBUTES)),
    AttributeSet("garage", "Moteur de porte de garage", "Garage door operator", ("thrust", *FEATURE_ATTRIBUTES)),
    AttributeSet("remote", "Télécommande", "Remote control", ("frequency", "channels")),
    AttributeSet("radio", "Matériel radio", "Radio equipment", ("frequency",)),
    AttributeSet("powered", "Matériel alimenté", "Powered equipment", ("voltage", *FEATURE_ATTRIBUTES)),
    AttributeSet("rack", "Crémaillère", "Gear rack", ("material",)),
)

# Variant choices per attribute set: (suffix, attributes). A template takes 2..all of them, in order.
_VOLTAGE = (("-24V", {"voltage": "24v"}), ("-230V", {"voltage": "230v"}))
VARIANT_CHOICES: dict[str, tuple[tuple[str, dict[str, str]], ...]] = {
    "swing": _VOLTAGE,
    "powered": _VOLTAGE,
    "sliding": (
        ("-24V-400KG", {"voltage": "24v", "max_weight": "400kg"}),
        ("-24V-600KG", {"voltage": "24v", "max_weight": "600kg"}),
        ("-230V-800KG", {"voltage": "230v", "max_weight": "800kg"}),
        ("-230V-1000KG", {"voltage": "230v", "max_weight": "1000kg"}),
    ),
    "garage": tuple((f"-{n}N", {"thrust": f"{n}n"}) for n in (600, 800, 1000)),
    "remote": (
        ("-433-2C", {"frequency": "433mhz", "channels": "2"}),
        ("-433-4C", {"frequency": "433mhz", "channels": "4"}),
        ("-868-2C", {"frequency": "868mhz", "channels": "2"}),
        ("-868-4C", {"frequency": "868mhz", "channels": "4"}),
    ),
    "radio": (("-433", {"frequency": "433mhz"}), ("-868", {"frequency": "868mhz"})),
    "rack": (("-NYL", {"material": "nylon"}), ("-ACI", {"material": "steel"})),
}

Choices = tuple[tuple[str | None, dict[str, str]], ...]
_ONE_ARTICLE: Choices = ((None, {}),)


@dataclass(frozen=True)
class Shape:
    """Another mix of variants, for the benchmark: ``variant_share`` of the templates have 2 to
    ``max_variants`` variants (uniformly), the others a single article. Without a shape the catalog is
    the demo's, whose exact contents the tests and the data contract (:mod:`.seed`) describe."""

    variant_share: float
    max_variants: int = 6

    def __post_init__(self) -> None:
        widest = max(len(VARIANT_CHOICES[k] + EXTRA_CHOICES.get(k, ())) for k in VARIANT_CHOICES)
        if not (0 <= self.variant_share <= 1 and 2 <= self.max_variants <= widest):
            raise ValueError(f"a shape needs a share in [0, 1] and 2 to {widest} variants: {self}")

    @property
    def slug(self) -> str:
        """In template names, so that a shaped database is never taken for a default one."""
        return f"v{round(self.variant_share * 100)}x{self.max_variants}"


# Shaped catalogs only: more values and choices, appended so that the default catalog is unchanged, for
# these attribute sets to offer 6 variants (swing and powered keep 2: their shaped templates have one article).
EXTRA_VALUES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "max_weight": tuple((f"{w}kg", f"{w} kg", f"{w} kg") for w in (1500, 2000)),
    "thrust": tuple((f"{n}n", f"{n} N", f"{n} N") for n in (1200, 1500, 2000)),
    "frequency": (("40mhz", "40,685 MHz", "40.685 MHz"), ("30mhz", "30,875 MHz", "30.875 MHz"),
                  ("27mhz", "26,995 MHz", "26.995 MHz"), ("315mhz", "315 MHz", "315 MHz")),
    "material": (("nylon_steel", "Nylon à âme acier", "Steel-core nylon"),
                 ("galvanised", "Acier galvanisé", "Galvanised steel"),
                 ("stainless", "Acier inoxydable", "Stainless steel"), ("zinc", "Acier zingué", "Zinc-plated steel")),
}  # fmt: skip
EXTRA_CHOICES: dict[str, Choices] = {
    "sliding": tuple((f"-230V-{w}KG", {"voltage": "230v", "max_weight": f"{w}kg"}) for w in (1500, 2000)),
    "garage": tuple((f"-{n}N", {"thrust": f"{n}n"}) for n in (1200, 1500, 2000)),
    "remote": tuple((f"-40-{c}C", {"frequency": "40mhz", "channels": c}) for c in ("2", "4")),
    "radio": tuple((f"-{f}", {"frequency": f"{f}mhz"}) for f in (40, 30, 27, 315)),
    "rack": (("-NYA", {"material": "nylon_steel"}), ("-GAL", {"material": "galvanised"}),
             ("-INO", {"material": "stainless"}), ("-ZIN", {"material": "zinc"})),
}  # fmt: skip
SHAPED_ATTRIBUTES = tuple(replace(a, values=a.values + EXTRA_VALUES.get(a.name, ())) for a in ATTRIBUTES)
BENCH_SHAPE = Shape(0.30, 6)  # "10,000 products, 30 % of them with 2 to 6 variants"

BRANDS = ("Sudmatic", "Occitek", "Autan Systems", "Pyrenea")
SERIES = (
    "Atlas", "Orion", "Titan", "Vega", "Nova", "Kappa", "Sirius", "Lyra", "Zephyr", "Mistral",
    "Tramontane", "Canigou", "Aneto", "Garonne", "Cers", "Marin", "Albera", "Vignemale",
)  # fmt: skip


@dataclass(frozen=True)
class Family:
    """A kind of product; each generated template of a family gets the next model number."""

    key: str
    prefix: str  # template code = f"{prefix}-{model}"
    categories: tuple[str, ...]  # main category first; the others are added to ~1 in 3 templates
    name_fr: str  # "{brand} {series} {model}" is appended (fr) / prepended (en)
    name_en: str
    summary_fr: str
    summary_en: str
    features: tuple[tuple[str, str], ...]  # (fr, en)
    price: tuple[int, int]  # list price range, EUR tax excluded
    weight: tuple[float, float]  # kg
    stock: tuple[int, int]  # quantity range per warehouse when in stock
    attribute_set: str | None = None
    first_model: int = 100
    step: int = 10
    ean_rate: float = 0.95
    weight_share: int = 4  # relative frequency after the first round


_MOTOR_FEATURES = (
    ("Fin de course électronique", "Electronic limit switches"),
    ("Démarrage et arrêt progressifs", "Soft start and soft stop"),
    ("Déverrouillage manuel à clé", "Manual key release"),
    ("Détection d'obstacle par ampérométrie", "Current-sensing obstacle detection"),
    ("Récepteur radio intégré", "Built-in radio receiver"),
    ("Compatible batterie de secours", "Backup battery ready"),
    ("Indice de protection IP44", "IP44 protection rating"),
    ("Garantie 3 ans", "3-year warranty"),
)
_ACCESSORY_FEATURES = (
    ("Installation en applique", "Surface mounting"),
    ("Boîtier polycarbonate anti-UV", "UV-resistant polycarbonate housing"),
    ("Indice de protection IP54", "IP54 protection rating"),
    ("Compatible toutes marques", "Works with all brands"),
    ("Faible consommation", "Low power consumption"),
    ("Garantie 2 ans", "2-year warranty"),
)
_PART_FEATURES = (
    ("Pièce d'origine constructeur", "Genuine manufacturer part"),
    ("Notice de montage fournie", "Fitting instructions included"),
    ("Visserie incluse", "Screws included"),
    ("Garantie 1 an", "1-year warranty"),
)

FAMILIES: tuple[Family, ...] = (
    Family(
        "swing_arm", "MOT-BAT", ("motorisation/battants/bras",),
        "Motorisation à bras", "articulated arm operator",
        "Motorisation à bras articulés pour portail battant, vantaux jusqu'à 2,5 m.",
        "Articulated arm operator for swing gates, leaves up to 2.5 m.",
        _MOTOR_FEATURES, (290, 890), (9.0, 16.0), (1, 12), "swing", 400, 100,
    ),
    Family(
        "swing_ram", "MOT-VER", ("motorisation/battants/verins",),
        "Motorisation à vérins", "linear ram operator",
        "Kit de deux vérins électromécaniques pour portail battant, vantaux jusqu'à 3 m.",
        "Pair of electromechanical rams for swing gates, leaves up to 3 m.",
        _MOTOR_FEATURES, (250, 750), (8.0, 14.0), (1, 12), "swing", 300, 100,
    ),
    Family(
        "swing_underground", "MOT-ENT", ("motorisation/battants/enterres",),
        "Motorisation enterrée", "underground operator",
        "Motorisation enterrée invisible pour portail battant, vantaux jusqu'à 3,5 m.",
        "Concealed underground operator for swing gates, leaves up to 3.5 m.",
        _MOTOR_FEATURES, (450, 1200), (14.0, 22.0), (1, 8), "swing", 500, 100, weight_share=2,
    ),
    Family(
        "sliding", "MOT-COU", ("motorisation/coulissants", "pieces/cremailleres"),
        "Motorisation de portail coulissant", "sliding gate operator",
        "Motoréducteur pour portail coulissant, livré avec plaque de fixation.",
        "Gear motor for sliding gates, supplied with a mounting plate.",
        _MOTOR_FEATURES, (320, 990), (10.0, 18.0), (1, 10), "sliding", 500, 100,
    ),
    Family(
        "garage", "MOT-GAR", ("motorisation/garage/sectionnelles", "motorisation/garage/basculantes"),
        "Motorisation de porte de garage", "garage door operator",
        "Motorisation plafonnière pour porte sectionnelle ou basculante, rail inclus.",
        "Ceiling-mounted operator for sectional or up-and-over doors, rail included.",
        _MOTOR_FEATURES, (180, 520), (6.0, 11.0), (1, 15), "garage", 600, 100,
    ),
    Family(
        "barrier", "MOT-BAR", ("motorisation/barrieres",),
        "Barrière levante", "barrier gate",
        "Barrière levante automatique pour parkings et voies privées.",
        "Automatic barrier gate for car parks and private roads.",
        _MOTOR_FEATURES, (900, 2400), (35.0, 60.0), (1, 4), None, 300, 100, weight_share=1,
    ),
    Family(
        "remote", "TEL", ("telecommandes/emetteurs",),
        "Télécommande", "remote control",
        "Télécommande à code tournant, portée jusqu'à 100 m.",
        "Rolling-code remote control, range up to 100 m.",
        _ACCESSORY_FEATURES, (19, 49), (0.03, 0.06), (5, 80), "remote", 200, 10, weight_share=6,
    ),
    Family(
        "receiver", "REC", ("telecommandes/recepteurs", "accessoires"),
        "Récepteur radio", "radio receiver",
        "Récepteur radio universel 2 canaux, jusqu'à 500 télécommandes mémorisées.",
        "Universal 2-channel radio receiver, stores up to 500 remotes.",
        _ACCESSORY_FEATURES, (45, 95), (0.1, 0.3), (2, 40), "radio", 100, 10,
    ),
    Family(
        "photocell", "PHO", ("accessoires/photocellules", "securite"),
        "Paire de photocellules", "pair of photocells",
        "Paire de photocellules infrarouges orientables, portée 20 m.",
        "Pair of adjustable infrared photocells, 20 m range.",
        _ACCESSORY_FEATURES, (39, 129), (0.3, 0.8), (3, 60), None, 100, 10, weight_share=5,
    ),
    Family(
        "flashing_light", "FEU", ("accessoires/feux",),
        "Feu clignotant", "flashing light",
        "Feu clignotant à LED avec antenne intégrée.",
        "LED flashing light with built-in antenna.",
        _ACCESSORY_FEATURES, (25, 79), (0.2, 0.5), (3, 60), "powered", 100, 10, weight_share=5,
    ),
    Family(
        "keypad", "CLA", ("accessoires/claviers",),
        "Clavier à code", "keypad",
        "Clavier à code rétroéclairé, jusqu'à 250 codes.",
        "Backlit keypad, up to 250 codes.",
        _ACCESSORY_FEATURES, (59, 189), (0.2, 0.6), (2, 30), None, 100, 10,
    ),
    Family(
        "key_switch", "SEL", ("accessoires/selecteurs",),
        "Sélecteur à clé", "key switch",
        "Sélecteur à clé en applique, contact à impulsion.",
        "Surface-mounted key switch, pulse contact.",
        _ACCESSORY_FEATURES, (29, 69), (0.2, 0.4), (2, 30), None, 100, 10, weight_share=3,
    ),
    Family(
        "battery", "BAT", ("accessoires/batteries", "pieces"),
        "Batterie de secours", "backup battery",
        "Batterie de secours 24 V pour fonctionner pendant une coupure de courant.",
        "24 V backup battery to keep working during a power cut.",
        _ACCESSORY_FEATURES, (35, 119), (1.2, 3.5), (2, 30), None, 100, 10, weight_share=3,
    ),
    Family(
        "antenna", "ANT", ("accessoires/antennes",),
        "Antenne", "antenna",
        "Antenne extérieure accordée avec câble coaxial de 5 m.",
        "Tuned outdoor antenna with 5 m coaxial cable.",
        _ACCESSORY_FEATURES, (15, 39), (0.1, 0.4), (3, 50), "radio", 100, 10, weight_share=2,
    ),
    Family(
        "safety_edge", "BPA", ("securite/barres",),
        "Barre palpeuse", "safety edge",
        "Barre palpeuse résistive 8,2 kΩ, coupe à la longueur.",
        "Resistive 8.2 kΩ safety edge, cut to length.",
        _ACCESSORY_FEATURES, (69, 189), (0.8, 2.0), (1, 20), None, 100, 10, weight_share=2,
    ),
    Family(
        "control_board", "CAR", ("pieces/cartes",),
        "Carte électronique", "control board",
        "Carte électronique de remplacement avec programmation par afficheur.",
        "Replacement control board with display-based programming.",
        _PART_FEATURES, (89, 249), (0.3, 0.7), (1, 15), "powered", 100, 10, ean_rate=0.6,
    ),
    Family(
        "rack", "CRE", ("pieces/cremailleres", "motorisation/coulissants"),
        "Crémaillère 1 m", "1 m gear rack",
        "Crémaillère module 4 vendue au mètre, avec entretoises.",
        "Module 4 gear rack sold by the metre, with spacers.",
        _PART_FEATURES, (12, 39), (0.8, 2.6), (10, 120), "rack", 100, 10,
    ),
    Family(
        "arm", "BRA", ("pieces/bras",),
        "Bras de rechange", "replacement arm",
        "Bras articulé de rechange avec axes et bagues.",
        "Replacement articulated arm with pins and bushes.",
        _PART_FEATURES, (25, 95), (0.8, 2.5), (1, 20), None, 100, 10, ean_rate=0.5, weight_share=3,
    ),
    Family(
        "limit_switch", "FDC", ("pieces/fins-de-course",),
        "Fin de course", "limit switch",
        "Paire de butées de fin de course magnétiques.",
        "Pair of magnetic limit stops.",
        _PART_FEATURES, (9, 35), (0.05, 0.3), (2, 50), None, 100, 10, ean_rate=0.5, weight_share=3,
    ),
)  # fmt: skip

KIT_FAMILY = Family(
    "kit", "KIT", ("kits", "motorisation/battants"),
    "Kit motorisation complet", "complete operator kit",
    "Kit prêt à poser : motorisation, deux télécommandes, photocellules et feu clignotant.",
    "Ready-to-fit kit: operator, two remotes, photocells and a flashing light.",
    _MOTOR_FEATURES, (0, 0), (0.0, 0.0), (0, 0), None, 100, 10, ean_rate=1.0, weight_share=1,
)  # fmt: skip


@dataclass(frozen=True)
class _Fixed:
    code: str
    type: ProductType
    name_fr: str
    name_en: str
    summary_fr: str
    summary_en: str
    price: str
    tax: Tax
    weight: float | None = None
    ean: str | None = None  # 12 digits, the check digit is computed
    stock: tuple[int, int] = (0, 0)


# Services and the book: the products that carry the reduced VAT rates.
FIXED_PRODUCTS: tuple[_Fixed, ...] = (
    _Fixed(
        "POSE-BAT", "service", "Pose d'une motorisation de portail battant",
        "Installation of a swing gate operator",
        "Pose par un technicien, mise en service et réglages (logement de plus de 2 ans).",
        "Fitting by a technician, commissioning and settings (home older than 2 years).",
        "390.00", "vat10",
    ),
    _Fixed(
        "POSE-COU", "service", "Pose d'une motorisation de portail coulissant",
        "Installation of a sliding gate operator",
        "Pose de la motorisation et de la crémaillère, mise en service (logement de plus de 2 ans).",
        "Fitting of the operator and the gear rack, commissioning (home older than 2 years).",
        "450.00", "vat10",
    ),
    _Fixed(
        "MAINT-AN", "service", "Contrat d'entretien annuel", "Yearly maintenance contract",
        "Une visite d'entretien par an, pièces d'usure en sus.",
        "One maintenance visit a year, wear parts extra.",
        "149.00", "vat20",
    ),
    _Fixed(
        "LIV-GUIDE", "goods", "Guide pratique de la motorisation de portail",
        "Practical guide to gate automation",
        "Livre de 160 pages : choisir, poser et entretenir sa motorisation.",
        "160-page book: choosing, fitting and servicing a gate operator.",
        "24.50", "vat5_5", 0.45, "978200000000", (12, 5),
    ),
)  # fmt: skip

TAG_CATEGORIES: tuple[Category, ...] = (
    Category("etiquettes", "Étiquettes", "Labels"),
    Category("etiquettes/nouveautes", "Nouveautés", "New"),
    Category("etiquettes/meilleures-ventes", "Meilleures ventes", "Best sellers"),
    Category("etiquettes/fabrique-en-france", "Fabriqué en France", "Made in France"),
)

# Family -> (protection, warranty): the same on every variant of a template.
FEATURE_VALUES: dict[str, tuple[str, str]] = {
    "swing_arm": ("ip44", "3y"), "swing_ram": ("ip44", "3y"), "swing_underground": ("ip67", "3y"),
    "sliding": ("ip44", "3y"), "garage": ("ip20", "2y"), "flashing_light": ("ip54", "2y"),
    "control_board": ("ip20", "1y"),
}  # fmt: skip

# Family -> ranges of length, width, height in cm (of the product as shipped).
_SIZES: dict[str, tuple[tuple[float, float], ...]] = {
    "swing_arm": ((45, 60), (20, 30), (25, 35)), "swing_ram": ((90, 110), (15, 20), (15, 20)),
    "swing_underground": ((40, 50), (35, 45), (20, 30)), "sliding": ((30, 40), (20, 30), (30, 40)),
    "garage": ((90, 120), (30, 40), (15, 20)), "barrier": ((40, 50), (30, 40), (100, 120)),
    "remote": ((6, 8), (3, 4), (1, 2)), "receiver": ((12, 16), (8, 10), (4, 6)),
    "photocell": ((10, 12), (6, 8), (4, 5)), "flashing_light": ((14, 18), (10, 14), (10, 14)),
    "keypad": ((12, 15), (7, 9), (3, 5)), "key_switch": ((8, 10), (6, 8), (5, 7)),
    "battery": ((15, 20), (8, 10), (6, 10)), "antenna": ((30, 40), (4, 6), (4, 6)),
    "safety_edge": ((200, 200), (4, 6), (3, 5)), "control_board": ((18, 22), (12, 16), (4, 6)),
    "rack": ((100, 100), (3, 4), (2, 3)), "arm": ((40, 60), (6, 10), (4, 6)),
    "limit_switch": ((5, 8), (3, 5), (2, 3)), "kit": ((60, 70), (40, 50), (30, 40)),
}  # fmt: skip
_BOOK_SIZE = (21.0, 14.8, 1.2)

MOTOR_FAMILIES = frozenset({"swing_arm", "swing_ram", "swing_underground", "sliding", "garage", "barrier"})
IMAGE_LIMIT = 300  # templates that get pictures and manuals (keeps a 10,000-SKU database small)
MADE_IN_FRANCE = "Pyrenea"  # the brand whose products are tagged "Made in France"

MIN_PRODUCTS = 40  # ≥ the first round: one template per family, the fixed products, a kit (38 SKUs)

_EAN_PREFIX = "3760999"  # GS1 France range; a made-up company prefix


def ean13(body12: str) -> str:
    """Append the EAN-13 check digit to 12 digits."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    """A shop-like price ending in .90 (or 9.90 above 100 EUR)."""
    value = rng.uniform(low, high)
    if value >= 100:
        return Decimal(int(value) // 10 * 10 + 9) + Decimal("0.90")
    return Decimal(int(value)) + Decimal("0.90")


def _cost(price: Decimal) -> Decimal:
    return (price * Decimal("0.55")).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _stock(rng: random.Random, low: int, high: int) -> dict[str, int]:
    """Stock per warehouse: both ~70 %, Toulouse only ~12 %, Bordeaux only ~10 %, none ~8 %."""
    draw = rng.random()
    tls = rng.randint(low, high) if draw < 0.82 else 0
    bdx = rng.randint(low, high) if draw < 0.70 or 0.82 <= draw < 0.92 else 0
    return {"TLS": tls, "BDX": bdx}


def _description(summary: str, features: Sequence[str], variant_line: str | None) -> str:
    items = "".join(f"<li>{f}</li>" for f in features)
    html = f"<p>{summary}</p><ul>{items}</ul>"
    return html + (f"<p>{variant_line}</p>" if variant_line else "")


class _Generator:
    def __init__(self, seed: int, shape: Shape | None = None) -> None:
        self.rng = random.Random(seed)
        self.shape = shape
        self.varied = 0  # templates given several variants by the shape
        self.ean_counter = 0
        self.models: dict[str, int] = {}
        self.products: list[Product] = []

    def next_ean(self, rate: float) -> str | None:
        # Draw first so the random stream does not depend on earlier outcomes.
        keep = self.rng.random() < rate
        if not keep:
            return None
        self.ean_counter += 1
        return ean13(f"{_EAN_PREFIX}{self.ean_counter:05d}")

    def family_product(self, family: Family, max_variants: int) -> Product:
        rng = self.rng
        index = self.models.get(family.key, 0)
        self.models[family.key] = index + 1
        model = family.first_model + family.step * index
        code = f"{family.prefix}-{model}"
        brand, series = rng.choice(BRANDS), rng.choice(SERIES)
        label = f"{brand} {series} {model}"
        categories = family.categories[:1]
        if len(family.categories) > 1 and rng.random() < 0.35:
            categories = family.categories
        features = rng.sample(family.features, 3)
        price = _price(rng, *family.price)
        weight = round(rng.uniform(*family.weight), 2)
        if self.shape:
            choices, count = self.shaped_choices(family, self.shape)
        else:
            choices = VARIANT_CHOICES.get(family.attribute_set or "", _ONE_ARTICLE)
            count = rng.randint(min(2, len(choices)), len(choices))
        picked = choices[:count][:max_variants]
        variants = tuple(
            self.variant(family, code, suffix, attrs, features) for suffix, attrs in picked
        )
        return Product(
            code=code,
            family=family.key,
            type="goods",
            name_en=f"{label} {family.name_en}",
            name_fr=f"{family.name_fr} {label}",
            categories=categories,
            attribute_set=family.attribute_set,
            list_price=price,
            cost_price=_cost(price),
            weight=weight,
            tax="vat20",
            variants=variants,
            brand=brand,
            model_name=label,
        )

    def shaped_choices(self, family: Family, shape: Shape) -> tuple[Choices, int]:
        """Variants while the share of templates with variants is below the shape's (exact at any
        size), from the families that can offer ``max_variants`` of them; else one article."""
        key = family.attribute_set or ""
        choices = VARIANT_CHOICES.get(key, ()) + EXTRA_CHOICES.get(key, ())
        if len(choices) < shape.max_variants or self.varied >= shape.variant_share * (len(self.products) + 1):
            return _ONE_ARTICLE, 1
        self.varied += 1
        return choices, self.rng.randint(2, shape.max_variants)

    def variant(
        self,
        family: Family,
        code: str,
        suffix: str | None,
        attrs: dict[str, str],
        features: Sequence[tuple[str, str]],
    ) -> Variant:
        ean = self.next_ean(family.ean_rate)
        stock = _stock(self.rng, *family.stock)
        lines = {lang: _variant_line(attrs, lang) for lang in ("fr", "en")}
        return Variant(
            code=code + (suffix or ""),
            suffix=suffix,
            attributes=dict(attrs),
            ean=ean,
            stock=stock,
            description_fr=_description(family.summary_fr, [f[0] for f in features], lines["fr"]),
            description_en=_description(family.summary_en, [f[1] for f in features], lines["en"]),
        )

    def kit(self) -> Product:
        """A kit of earlier goods: a swing operator, two remotes, photocells, a flashing light."""
        rng = self.rng
        index = self.models.get("kit", 0)
        self.models["kit"] = index + 1
        parts = [(self.pick("swing_arm", "swing_ram"), 1), (self.pick("remote"), 2)]
        parts += [(self.pick("photocell"), 1), (self.pick("flashing_light"), 1)]
        total = sum(p.list_price * q for p, q in parts)
        price = (total * Decimal("0.85")).quantize(Decimal("1")) - Decimal("0.10")
        motor = parts[0][0]
        code = f"KIT-{100 + 10 * index}"
        features = rng.sample(KIT_FAMILY.features, 3)
        variant = replace(self.variant(KIT_FAMILY, code, None, {}, features), stock={})
        components = tuple((rng.choice(p.variants).code, q) for p, q in parts)
        return Product(
            code=code,
            family="kit",
            type="kit",
            name_en=f"{motor.model_name} {KIT_FAMILY.name_en}",
            name_fr=f"{KIT_FAMILY.name_fr} {motor.model_name}",
            categories=KIT_FAMILY.categories,
            attribute_set=None,
            list_price=price,
            cost_price=_cost(price),
            weight=round(sum((p.weight or 0) * q for p, q in parts), 2),
            tax="vat20",
            variants=(variant,),
            brand=motor.brand,
            model_name=motor.model_name,
            components=components,
        )

    def pick(self, *families: str) -> Product:
        candidates = [p for p in self.products if p.family in families]
        return self.rng.choice(candidates)

    def fixed(self, item: _Fixed) -> Product:
        html = {"fr": f"<p>{item.summary_fr}</p>", "en": f"<p>{item.summary_en}</p>"}
        price = Decimal(item.price)
        stock = {"TLS": item.stock[0], "BDX": item.stock[1]} if item.type == "goods" else {}
        ean = ean13(item.ean) if item.ean else None  # the book's ISBN-13 is an EAN-13
        variant = Variant(item.code, None, {}, ean, stock, html["en"], html["fr"])
        return Product(
            code=item.code,
            family="fixed",
            type=item.type,
            name_en=item.name_en,
            name_fr=item.name_fr,
            categories=("services",),
            attribute_set=None,
            list_price=price,
            cost_price=_cost(price),
            weight=item.weight,
            tax=item.tax,
            variants=(variant,),
        )


def _variant_labels(attrs: dict[str, str], lang: str) -> str:
    by_name = {a.name: a for a in SHAPED_ATTRIBUTES}  # a superset: the same labels for the default values
    return ", ".join(by_name[name].label(key, lang) for name, key in attrs.items() if name not in FEATURE_ATTRIBUTES)


def _variant_line(attrs: dict[str, str], lang: str) -> str | None:
    if not attrs:
        return None
    labels = _variant_labels(attrs, lang)
    return f"Version : {labels}." if lang == "fr" else f"Version: {labels}."


# --------------------------------------------------------------------------- details of issue 3
# Drawn from a random stream of their own per product (seeded by its code), so that adding them left
# every earlier value of the catalog as it was.


def _details(product: Product, index: int, seed: int) -> Product:
    """Dimensions, feature attributes, labels, pictures and manuals of the ``index``-th template."""
    rng = random.Random(f"{seed}:{product.code}")
    if product.type == "service":
        return product
    features = FEATURE_VALUES.get(product.family)
    variants = product.variants
    if features:
        extra = dict(zip(FEATURE_ATTRIBUTES, features, strict=True))
        variants = tuple(replace(v, attributes={**v.attributes, **extra}) for v in variants)
    return replace(
        product,
        variants=variants,
        dimensions=_dimensions(product, rng),
        tags=_tags(product, rng),
        pictures=_pictures(product) if index < IMAGE_LIMIT else (),
        documents=_documents(product) if index < IMAGE_LIMIT else (),
    )


def _dimensions(product: Product, rng: random.Random) -> tuple[float, float, float] | None:
    if product.family == "fixed":
        return _BOOK_SIZE if product.type == "goods" else None
    length, width, height = (round(rng.uniform(low, high) * 2) / 2 for low, high in _SIZES[product.family])
    return (length, width, height)


def _tags(product: Product, rng: random.Random) -> tuple[str, ...]:
    new, best = rng.random() < 0.10, rng.random() < 0.12
    tags = [key for key, chosen in (("etiquettes/nouveautes", new), ("etiquettes/meilleures-ventes", best),
                                    ("etiquettes/fabrique-en-france", product.brand == MADE_IN_FRANCE))
            if chosen]  # fmt: skip
    return tuple(tags)


def _pictures(product: Product) -> tuple[Picture, ...]:
    """The cover; kits show their contents too; remote controls have a picture per variant."""
    pictures = [Picture(1, product.name_en, product.name_fr)]
    if product.type == "kit":
        pictures.append(Picture(2, "Kit contents", "Contenu du kit"))
    if product.family == "remote":
        pictures += [
            Picture(10 + i, f"{product.name_en} ({_variant_labels(v.attributes, 'en')})",
                    f"{product.name_fr} ({_variant_labels(v.attributes, 'fr')})", v.code)
            for i, v in enumerate(product.variants) if v.attributes  # not a shaped one-article remote
        ]  # fmt: skip
    return tuple(pictures)


def _documents(product: Product) -> tuple[Document, ...]:
    if product.family not in MOTOR_FAMILIES:
        return ()
    return (Document(f"notice-{product.code}.pdf", f"Installation manual {product.model_name}"),)


def manual_pdf(code: str) -> bytes:
    """A one-page PDF (~600 bytes), the same for the same code."""
    text = f"BT /F1 18 Tf 72 770 Td (Installation manual - {code}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --------------------------------------------------------------------------- prices and promotions


@dataclass(frozen=True)
class PriceLine:
    """A ``product.price_list.line``: the first matching line of a list gives the price."""

    factor: Decimal | None = None  # price = list price × factor
    fixed: Decimal | None = None  # or this price
    category: str | None = None  # category key (sub-categories match too)
    product: str | None = None  # SKU
    quantity: int | None = None  # from this many units
    start: dt.date | None = None  # product_price_list_dates, both days included
    end: dt.date | None = None

    @property
    def formula(self) -> str:
        if self.fixed is not None:
            return f"Decimal('{self.fixed}')"
        return "unit_price" if self.factor == 1 else f"unit_price * {self.factor}"


@dataclass(frozen=True)
class PriceList:
    name: str
    lines: tuple[PriceLine, ...]  # in sequence order


@dataclass(frozen=True)
class Promotion:
    """A ``sale.promotion``; ``coupon``: usable only with this coupon number."""

    name: str
    formula: str
    categories: tuple[str, ...] = ()  # category keys
    products: tuple[str, ...] = ()  # SKUs
    price_list: str | None = None
    minimum_untaxed: Decimal | None = None  # order amount, tax excluded
    minimum_quantity: float | None = None  # units of the selection in the order
    start: dt.date | None = None
    end: dt.date | None = None
    coupon: str | None = None


def sales_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The current sales: from ten days before the build until the end of its year (the template is
    rebuilt every year, so they are running whenever a copy of it is used)."""
    return today - dt.timedelta(days=10), dt.date(today.year, 12, 31)


def price_lists(catalog: Catalog, today: dt.date) -> tuple[PriceList, ...]:
    """Public (list price), Tarif pro (B2B: quantity tier, spare parts), Soldes (dated lines: running,
    past, future)."""
    current = sales_period(today)
    launch = next(v.code for p in catalog.products if p.family == "photocell" for v in p.variants)
    return (
        PriceList(PRICE_LIST_PUBLIC, (PriceLine(factor=Decimal(1)),)),
        PriceList(PRICE_LIST_B2B, (
            PriceLine(factor=Decimal("0.75"), quantity=10),
            PriceLine(factor=Decimal("0.85"), category="pieces"),
            PriceLine(factor=Decimal("0.8")),
        )),
        PriceList(PRICE_LIST_SALES, (
            PriceLine(factor=Decimal("0.8"), category="telecommandes", start=current[0], end=current[1]),
            PriceLine(factor=Decimal("0.7"), category="accessoires/feux",
                      start=dt.date(today.year - 1, 6, 1), end=dt.date(today.year - 1, 6, 30)),
            PriceLine(fixed=Decimal("29.90"), product=launch,
                      start=dt.date(today.year + 1, 1, 10), end=dt.date(today.year + 1, 2, 6)),
            PriceLine(factor=Decimal(1)),
        )),
    )  # fmt: skip


def promotions(catalog: Catalog, today: dt.date) -> tuple[Promotion, ...]:
    """Four campaigns: a coupon, a running B2B one, a future one, and one a shop cannot express."""
    current = sales_period(today)
    remotes = [v.code for p in catalog.products if p.family == "remote" for v in p.variants][:2]
    return (
        Promotion("Code de bienvenue", "unit_price * 0.9", coupon="BIENVENUE10"),
        Promotion("Remise pro sécurité", "unit_price * 0.9", categories=("securite",),
                  price_list=PRICE_LIST_B2B, start=current[0], end=current[1]),
        Promotion("Soldes d'hiver télécommandes", "unit_price - 5", products=tuple(remotes),
                  minimum_untaxed=Decimal(100), start=dt.date(today.year + 1, 1, 10),
                  end=dt.date(today.year + 1, 2, 6)),
        Promotion("Lot de 3 photocellules", "unit_price * 0.85", categories=("accessoires/photocellules",),
                  minimum_quantity=3),
    )  # fmt: skip


def build_catalog(n_products: int, seed: int = RANDOM_SEED, *, shape: Shape | None = None) -> Catalog:
    """Return a catalog with exactly ``n_products`` SKUs (product.product records); ``shape``: mixed as
    it says, with the values of :data:`EXTRA_VALUES` in its attributes (the benchmark's)."""
    if n_products < MIN_PRODUCTS:
        raise ValueError(f"n_products must be at least {MIN_PRODUCTS}")
    gen = _Generator(seed, shape)
    count = 0

    def add(product: Product) -> None:
        nonlocal count
        gen.products.append(product)
        count += len(product.variants)

    for family in FAMILIES:  # first round: every family once, in a fixed order
        add(gen.family_product(family, n_products - count))
    for item in FIXED_PRODUCTS:
        add(gen.fixed(item))
    add(gen.kit())
    weights = [f.weight_share for f in FAMILIES] + [KIT_FAMILY.weight_share]
    while count < n_products:
        family = gen.rng.choices([*FAMILIES, KIT_FAMILY], weights)[0]
        if family is KIT_FAMILY:
            add(gen.kit())
        else:
            add(gen.family_product(family, n_products - count))
    assert count == n_products, "the first round must fit in MIN_PRODUCTS"
    products = tuple(_details(p, index, seed) for index, p in enumerate(gen.products))
    attributes = SHAPED_ATTRIBUTES if shape else ATTRIBUTES
    return Catalog(CATEGORIES, attributes, ATTRIBUTE_SETS, products, TAG_CATEGORIES)
