"""Shop ids of what products point to, read once per connector and cached: manufacturers (found or
created by name), features and their predefined values (found or created by their text in the
fallback language), currencies and countries (by ISO code)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from courroie.connectors.prestashop import mapping, validation
from courroie.connectors.prestashop.batching import Registry
from courroie.connectors.prestashop.client import PrestaShopClient
from courroie.connectors.prestashop.config import PrestaShopConfig
from courroie.connectors.prestashop.mapping import FeatureText, Row, as_text, fold, mapped
from courroie.errors import DataError
from courroie.model import Feature, Product

FeatureKey = str                    # FeatureText.key of the feature
ValueKey = tuple[str, str]          # (id_feature, FeatureText.key of the value)


def text_in(value: object, language_id: int) -> str:
    """The text of a multilingual field in one language (a plain string on a one-language shop)."""
    if isinstance(value, list):
        return next((as_text(item.get("value")) for item in value
                     if isinstance(item, dict) and as_text(item.get("id")) == str(language_id)), "")
    return as_text(value)


def _created_ids(records: Sequence[Row], count: int, what: str) -> list[str]:
    ids = [as_text(record.get("id")) for record in records]
    if len(ids) != count or not all(ids):
        raise DataError(f"PrestaShop created {what} but answered {len(ids)} ids for {count} records")
    return ids


class CatalogLookups:
    """Manufacturers and features of one shop."""

    def __init__(self, client: PrestaShopClient, config: PrestaShopConfig) -> None:
        self._client = client
        self._config = config
        self._fallback_id = config.languages[config.fallback_language]
        self.manufacturers: Registry[str, str] = Registry(self._load_manufacturers, self._create_manufacturers)
        self.features: Registry[FeatureKey, FeatureText] = Registry(self._load_features, self._create_features)
        self.values: Registry[ValueKey, FeatureText] = Registry(self._load_values, self._create_values)

    async def manufacturer_id(self, name: str | None) -> str:
        if not name:
            return "0"
        mapped(mapping.manufacturer_element, name)  # refuse a name PrestaShop would, before creating anything
        return (await self.manufacturers.ensure({fold(name): name}))[fold(name)]

    async def feature_pairs(self, product: Product) -> tuple[tuple[str, str], ...]:
        """(id_feature, id_feature_value) of each feature of the product, creating what the shop lacks."""
        texts = [mapped(self._texts, feature, product.sku) for feature in product.features]
        feature_ids = await self.features.ensure({name.key: name for name, _ in texts})
        wanted = {(feature_ids[name.key], value.key): value for name, value in texts}
        value_ids = await self.values.ensure(wanted)
        pairs = {feature_ids[name.key]: value_ids[(feature_ids[name.key], value.key)] for name, value in texts}
        return tuple(sorted(pairs.items(), key=lambda pair: int(pair[0])))   # one value per feature, like PS

    def _texts(self, feature: Feature, sku: str) -> tuple[FeatureText, FeatureText]:
        name = FeatureText.of(feature.name, self._config, f"feature of {sku}", validation.FEATURE_NAME)
        value = FeatureText.of(feature.value, self._config, f"feature {name.key!r} of {sku}", validation.FEATURE_VALUE)
        return name, value

    # --- reading and creating

    async def _load_manufacturers(self) -> dict[str, str]:
        ids: dict[str, str] = {}
        async for page in self._client.read_pages("manufacturers", display="[id,name]"):
            for row in page:
                ids.setdefault(fold(as_text(row.get("name"))), as_text(row.get("id")))
        return ids

    async def _create_manufacturers(self, missing: list[tuple[str, str]]) -> list[str]:
        records = await self._client.post("manufacturers", [mapping.manufacturer_element(name) for _, name in missing])
        return _created_ids(records, len(missing), "manufacturers")

    async def _load_features(self) -> dict[FeatureKey, str]:
        ids: dict[FeatureKey, str] = {}
        async for page in self._client.read_pages("product_features", display="[id,name]"):
            for row in page:
                ids.setdefault(fold(text_in(row.get("name"), self._fallback_id)), as_text(row.get("id")))
        return ids

    async def _create_features(self, missing: list[tuple[FeatureKey, FeatureText]]) -> list[str]:
        records = await self._client.post("product_features",
                                          [mapping.feature_element(dict(text.texts)) for _, text in missing])
        return _created_ids(records, len(missing), "features")

    async def _load_values(self) -> dict[ValueKey, str]:
        """Predefined values only (custom 0): a custom value belongs to one product of the merchant's."""
        ids: dict[ValueKey, str] = {}
        async for page in self._client.read_pages("product_feature_values", display="[id,id_feature,value]",
                                                  filters={"custom": "[0]"}):
            for row in page:
                key = (as_text(row.get("id_feature")), fold(text_in(row.get("value"), self._fallback_id)))
                ids.setdefault(key, as_text(row.get("id")))
        return ids

    async def _create_values(self, missing: list[tuple[ValueKey, FeatureText]]) -> list[str]:
        records = await self._client.post("product_feature_values", [
            mapping.feature_value_element(feature_id, dict(text.texts)) for (feature_id, _), text in missing])
        return _created_ids(records, len(missing), "feature values")


class ReferenceIds:
    """ISO code → id of currencies and countries: the configuration's maps, else the shop's tables."""

    def __init__(self, client: PrestaShopClient, config: PrestaShopConfig) -> None:
        self._client = client
        self._config = config
        self._tables: dict[str, dict[str, int]] = {}
        self._lock = asyncio.Lock()

    async def currency(self, code: str | None) -> int:
        return await self._id("currencies", "currency", self._config.currencies, code)

    async def country(self, code: str | None) -> int:
        return await self._id("countries", "country", self._config.countries, code)

    async def _id(self, resource: str, what: str, configured: Mapping[str, int], code: str | None) -> int:
        if not code:
            return 0
        table = configured or await self._table(resource)
        number = table.get(code.upper())
        if number is None:
            raise DataError(f"{what} {code!r} is not known to shop "
                            f"{self._config.name} (set {resource} in its configuration, or add it in the shop)")
        return number

    async def _table(self, resource: str) -> dict[str, int]:
        async with self._lock:
            if resource not in self._tables:
                rows = await self._client.read(resource, display="[id,iso_code]")
                self._tables[resource] = {as_text(row.get("iso_code")).upper(): int(as_text(row.get("id")))
                                          for row in rows if as_text(row.get("id")).isdigit()}
        return self._tables[resource]
