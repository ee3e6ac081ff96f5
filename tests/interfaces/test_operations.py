"""Pure pieces of the operations the CLI and the console share."""

from __future__ import annotations

import pytest

from courroie.interfaces.operations import same_value


@pytest.mark.parametrize(("sent", "held", "same"), [
    ({"amount": "2149.90", "currency": "EUR"}, "2149.900000", True),     # money against the shop's decimal
    ({"amount": "12.50", "currency": "EUR"}, "12.49", False),
    (["2", "15"], ["2", "15"], True),
    (["2", "15"], ["2"], False),
    (["10", "20", "5"], ["20", "10", "5"], False),                        # width and height swapped
    ({"en": "Gate ", "fr": "Portail"}, {"en": "Gate", "fr": "Portail", "es": "Puerta"}, True),
    ({"en": "Gate"}, {"en": "Gate opener"}, False),
    (None, "", True),                                                    # no EAN13 either side
    ("3760999000017", "3760999000024", False),
    (True, True, True),
    (True, False, False),
    (["10", "20", "5"], ["10.0", "20", "5.000"], True),                  # dimensions as the shop prints them
])
def test_same_value_compares_as_the_shop_stores(sent, held, same):
    assert same_value(sent, held) is same
