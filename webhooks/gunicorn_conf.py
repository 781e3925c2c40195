"""gunicorn's settings for the web process, as the Procfile runs it:

    gunicorn --config python:webhooks.gunicorn_conf 'webhooks:create_app()'

Options given on the command line win over these.
"""

from __future__ import annotations

import os

from bot.service import keep_start_up_objects_out_of_collections

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = 2
threads = 8


def post_worker_init(worker: object) -> None:
    """The worker has built the app: keep its start-up objects out of full collections."""
    keep_start_up_objects_out_of_collections()
