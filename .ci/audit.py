"""pip-audit over the installed environment, for .ci/run.

Fails (exit 1) on any known vulnerability. Reports and lets CI go on (exit 0) only when the
vulnerability service could not be reached: a network error, or a service that answered for no
package at all (as when only a mirror of the package index is reachable, which has no
vulnerability data). Any other failure of pip-audit fails the step.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NETWORK_SIGNS = (
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "NameResolutionError",
    "Temporary failure in name resolution",
    "Max retries exceeded",
    "Network is unreachable",
    "SSLError",
)


def run_pip_audit() -> subprocess.CompletedProcess[str]:
    """pip-audit of this virtual environment's packages, as JSON."""
    pip_audit = Path(sys.executable).parent / "pip-audit"
    command = [str(pip_audit), "--local", "--progress-spinner", "off", "--format", "json"]
    return subprocess.run(command, capture_output=True, text=True, timeout=900)


def main() -> int:
    """Audit; the exit status for CI."""
    done = run_pip_audit()
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = None
    if report is None:
        if any(sign in done.stderr for sign in NETWORK_SIGNS):
            last = done.stderr.strip().splitlines()[-1][:300] if done.stderr.strip() else ""
            print(f"pip-audit: NOT AUDITED, the vulnerability service is unreachable ({last})")
            return 0
        print(done.stdout + done.stderr, file=sys.stderr)
        return done.returncode or 1
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    audited = [d for d in dependencies if "skip_reason" not in d]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "none yet"
            print(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} package(s) with known vulnerabilities")
        return 1
    skipped = len(dependencies) - len(audited)
    if not audited:
        print(
            f"pip-audit: NOT AUDITED, the vulnerability service knew none of the {skipped} "
            "packages (no vulnerability data reachable from here)"
        )
        return 0
    print(f"pip-audit: {len(audited)} packages audited, no known vulnerability ({skipped} skipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
