"""A fingerprint says whether what we would send now differs from what the shop last received."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel


def jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


def fingerprint(value: Any) -> str:
    text = json.dumps(jsonable(value), sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
