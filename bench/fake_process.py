"""A fake Bot API in a process of its own, so that it does not share the interpreter lock with
the service being measured. Arguments: the token, and optionally a flood limit (sendMessage
calls a second beyond which it answers 429 as Telegram does). Prints its base URL; each line
"count" on stdin prints "<sent> <floods> <first> <last>": the sendMessage calls that succeeded,
those refused with 429, and the monotonic times of the first and last success; "calls" prints
the successful ones as JSON [[chat_id, time], ...] (CLOCK_MONOTONIC: comparable with the caller's
time.monotonic()); "reset" forgets them. End of input stops it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.telegram import FakeTelegram


def main() -> None:
    """Serve until stdin closes."""
    flood_limit = int(sys.argv[2]) if len(sys.argv) > 2 else None
    with FakeTelegram(token=sys.argv[1], flood_limit=flood_limit) as fake:
        print(fake.base_url, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                calls = fake.calls_to("sendMessage")
                sent = [c.at for c in calls if c.failed is None]
                floods = sum(1 for c in calls if c.failed == "flood")
                first, last = (sent[0], sent[-1]) if sent else (0.0, 0.0)
                print(len(sent), floods, first, last, flush=True)
            elif line.strip() == "calls":
                calls = fake.calls_to("sendMessage")
                sent = [[c.params.get("chat_id"), c.at] for c in calls if c.failed is None]
                print(json.dumps(sent), flush=True)
            elif line.strip() == "reset":
                fake.reset()
                print("ok", flush=True)


if __name__ == "__main__":
    main()
