"""A fake Bot API in a process of its own, so that it does not share the interpreter lock with
the service being measured. Prints its base URL; each line "count" on stdin prints the number of
sendMessage calls that succeeded; end of input stops it."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.telegram import FakeTelegram


def main() -> None:
    """Serve until stdin closes."""
    with FakeTelegram(token=sys.argv[1]) as fake:
        print(fake.base_url, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                sent = [c for c in fake.calls_to("sendMessage") if c.failed is None]
                print(len(sent), flush=True)


if __name__ == "__main__":
    main()
