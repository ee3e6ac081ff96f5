"""Odoo's exceptions as the sandbox raises them, and what each looks like on the wire.

Observed on the real 16.0 / 18.0 servers (``reference/README.md``): XML-RPC fault code 1 is any server
error (the fault string is a traceback ending in ``ExceptionType: message``), 2 a UserError,
ValidationError or MissingError (message only), 3 AccessDenied, 4 AccessError. JSON-RPC names the
Python class in ``error.data.name``. JSON-2 (19.0) answers with an HTTP status per class.
"""

from __future__ import annotations


class OdooError(Exception):
    """An exception raised by a model method: rolled back, then reported to the client."""

    python_name = "builtins.Exception"
    fault_code = 1
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def short_name(self) -> str:
        return self.python_name.rpartition(".")[2]

    def traceback(self) -> str:
        """The tail of a server traceback, as Odoo prints it (the sandbox has no frames to show)."""
        name = self.python_name.removeprefix("builtins.")
        return ("Traceback (most recent call last):\n  File \"odoo-sandbox\", line 1, in dispatch\n"
                f"{name}: {self.message}\n")


class UserError(OdooError):
    python_name = "odoo.exceptions.UserError"
    fault_code = 2
    http_status = 422


class ValidationError(UserError):
    python_name = "odoo.exceptions.ValidationError"


class MissingError(UserError):
    python_name = "odoo.exceptions.MissingError"
    http_status = 404


class AccessDenied(UserError):
    python_name = "odoo.exceptions.AccessDenied"
    fault_code = 3
    http_status = 403

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class AccessError(UserError):
    python_name = "odoo.exceptions.AccessError"
    fault_code = 4
    http_status = 403


class ServerError(OdooError):
    """A Python exception escaping a method (``ValueError``, ``AttributeError``…): fault code 1."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.python_name = kind if "." in kind else f"builtins.{kind}"


def value_error(message: str) -> ServerError:
    return ServerError("ValueError", message)


def attribute_error(message: str) -> ServerError:
    return ServerError("AttributeError", message)


class HttpError(Exception):
    """A werkzeug HTTP exception of the JSON-2 route (401 bad key, 404 unknown model, 422 bad arguments)."""

    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.message = message
