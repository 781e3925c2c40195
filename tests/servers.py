"""Starting the service's processes for tests and benches: a free port, a health wait, a stop."""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile_command(process: str) -> list[str]:
    """The Procfile's command for a process kind, with its program taken from this virtualenv
    (the web process binds to $PORT)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            program, *arguments = shlex.split(command)
            return [str(BIN / program), *arguments]
    raise AssertionError(f"no {process} process in the Procfile")


def wait_healthy(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not come up")


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    """Start a server whose output goes to a file (a pipe nobody reads would block it)."""
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    process.log_path = log.name  # type: ignore[attr-defined]
    try:
        wait_healthy(port, process)
    except AssertionError:
        stop(process)
        raise
    return process


def stop(process: subprocess.Popen) -> str:
    """Stop a server; everything it printed."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return Path(process.log_path).read_text()  # type: ignore[attr-defined]
