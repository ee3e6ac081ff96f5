"""Named points where a test can make the process die on the spot, as a power cut or `kill -9` would.

Set ``COURROIE_FAILPOINT=<name>`` in a child process's environment: when it reaches that point it exits
at once (no clean-up, no flush), so tests prove that a restart neither loses nor duplicates anything.
Unset, a failpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os

EXIT_CODE = 77


def failpoint(name: str) -> None:
    if os.environ.get("COURROIE_FAILPOINT") == name:
        os._exit(EXIT_CODE)
