"""Failures of a webservice call, each carrying the answer PrestaShop gives for it."""

from __future__ import annotations

WS_SOURCE = "/var/www/prestashop/classes/webservice/WebserviceRequest.php"

# PHP warnings that PrestaShop appends (as code 3 errors) to some query errors.
OFFSET_WARNINGS = [
    (3, f"[PHP Warning #2] Trying to access array offset on value of type bool ({WS_SOURCE}, line {line})")
    for line in (1333, 1334, 1335, 1336)
]


class WebserviceError(Exception):
    """An `<errors>` document (XML or JSON) with this HTTP status."""

    def __init__(self, status: int, errors: list[tuple[int, str]]) -> None:
        super().__init__(f"{status}: {errors}")
        self.status = status
        self.errors = errors


class EmptyAnswer(Exception):
    """No body and an empty `Content-Type:` header (GET of a missing id answers 404 like this)."""

    def __init__(self, status: int = 404) -> None:
        super().__init__(status)
        self.status = status


class HtmlAnswer(Exception):
    """A PHP-level answer outside the webservice: `text/html` body, no webservice headers."""

    def __init__(self, status: int, text: str = "") -> None:
        super().__init__(status, text)
        self.status = status
        self.text = text


class RawAnswer(Exception):
    """A webservice answer whose body is already built (e.g. the broken JSON image listing)."""

    def __init__(self, status: int, body: bytes, *, json: bool) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.json = json


class Redirect(Exception):
    """The shop front redirects (unknown `id_shop`)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def required(field: str) -> WebserviceError:
    return WebserviceError(400, [(41, f'parameter "{field}" required')])


def not_writable(field: str) -> tuple[int, str]:
    return (93, f'parameter "{field}" not writable. Please remove this attribute of this XML')


def invalid(class_name: str, field: str) -> tuple[int, str]:
    return (85, f'Validation error: "Property {class_name}-&gt;{field} is not valid"')


def too_long(class_name: str, field: str, length: int, max_size: int) -> tuple[int, str]:
    return (
        84,
        f'Validation error: "The length of property {class_name}-&gt;{field} is currently {length} chars. '
        f'It must be between 0 and {max_size} chars."',
    )


def empty(class_name: str, field: str) -> tuple[int, str]:
    return (84, f'Validation error: "Property {class_name}-&gt;{field} is empty."')


def php_warning(message: str, source: str, line: int) -> tuple[int, str]:
    return (3, f"[PHP Warning #2] {message} (/var/www/prestashop/{source}, line {line})")
