"""Odoo's answers of failure → the hub's three error families, as one table (no if-chains).

A row matches on the exception's class name (``odoo.exceptions.AccessDenied``…) and, when given, on
a pattern of its message. The first matching row decides; anything else raised by a model method is
about this record (``DataError``), except a 5xx JSON-2 answer, which may pass (``TransientError``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from courroie.errors import AuthenticationFailure, ConnectionFailure, CourroieError, DataError, TransientError

from .wire import Fault

CREDENTIALS_HINT = ("check `user` and `password` or `api_key` (Odoo: Preferences › Account Security › "
                    "New API Key); an API key expires")
RIGHTS_HINT = ("give the Odoo user the groups the hub needs (Inventory / User, Sales / User: All Documents, "
               "Contact Creation) in Settings › Users")
MODULE_HINT = "install the Odoo module providing it (sale_management, stock, delivery) or check the Odoo version"

Factory = Callable[[str, Fault], CourroieError]


@dataclass(frozen=True)
class Rule:
    names: tuple[str, ...]            # short class names (``AccessDenied``) or full ones
    factory: Factory
    message: re.Pattern[str] | None = None

    def matches(self, fault: Fault) -> bool:
        named = fault.short_name in self.names or fault.name in self.names or "*" in self.names
        return named and (self.message is None or self.message.search(fault.message) is not None)


def _credentials(what: str, fault: Fault) -> CourroieError:
    return AuthenticationFailure(f"Odoo refused the credentials ({what}): {fault.message}", hint=CREDENTIALS_HINT)


def _rights(what: str, fault: Fault) -> CourroieError:
    return AuthenticationFailure(f"Odoo refused {what}: {fault.message}", hint=RIGHTS_HINT)


def _database(what: str, fault: Fault) -> CourroieError:
    return ConnectionFailure(f"Odoo has no such database ({what}): {fault.message.strip()}",
                             hint="check `database` (the name shown on Odoo's database selector)")


def _missing_module(what: str, fault: Fault) -> CourroieError:
    return ConnectionFailure(f"Odoo cannot serve {what}: {fault.message}", hint=MODULE_HINT)


def _call_shape(what: str, fault: Fault) -> CourroieError:
    return ConnectionFailure(f"Odoo refused the form of {what}: {fault.message}",
                             hint="this Odoo version expects other parameters: check `protocol` and the version")


def _transient(what: str, fault: Fault) -> CourroieError:
    return TransientError(f"Odoo could not complete {what} now: {fault.name}: {fault.message}")


def _data(what: str, fault: Fault) -> CourroieError:
    return DataError(fault.message.strip() or fault.name, details={"call": what, "odoo_error": fault.short_name})


def _deleted_user(what: str, fault: Fault) -> CourroieError:
    return AuthenticationFailure(f"the Odoo user of this connection no longer exists ({fault.message})",
                                 hint="check `user`; the hub logs in again on the next run")


RULES: tuple[Rule, ...] = (
    Rule(("AccessDenied", "Unauthorized"), _credentials),
    Rule(("AccessError",), _rights),
    Rule(("OperationalError",), _database, re.compile(r'database "[^"]*" does not exist')),
    Rule(("MissingError", "UserError"), _deleted_user, re.compile(r"\(Record: res\.users\(")),
    Rule(("UserError",), _missing_module, re.compile(r"^Object \S+ doesn't exist")),
    Rule(("ValueError",), _missing_module, re.compile(r"^Invalid field |^Wrong value for ")),
    Rule(("AttributeError",), _missing_module, re.compile(r"^The method '.*' does not exist")),
    Rule(("NotFound",), _missing_module),
    Rule(("UnprocessableEntity", "TypeError"), _call_shape, re.compile(r"argument|parameter|cannot call")),
    Rule(("OperationalError", "SerializationFailure", "TransactionRollbackError", "LockNotAvailable",
          "ConcurrencyError", "LockError", "InterfaceError", "ServiceUnavailable", "TooManyRequests"), _transient),
    Rule(("UserError", "ValidationError", "MissingError", "RedirectWarning", "LockError"), _data),
)


def error_for_fault(fault: Fault, what: str) -> CourroieError:
    """The hub's error for an Odoo fault raised by ``what`` (``model.method``)."""
    for rule in RULES:
        if rule.matches(fault):
            return rule.factory(what, fault)
    if fault.status >= 500:
        return _transient(what, fault)
    return _data(what, fault)
