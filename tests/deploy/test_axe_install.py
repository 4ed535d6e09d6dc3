"""`make axe` installs axe-core with the system's npm configuration (issue 23, item 9).

`npm --prefix DIR` reads its global npmrc from DIR/etc/npmrc, so a non-root user's install
ignored the system's registry/proxy/cafile settings and the accessibility checks skipped.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "tests" / "web" / "install_axe.sh"


def test_axe_install_reads_the_systems_npm_configuration() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm not installed")
    system = subprocess.run(
        [npm, "config", "get", "globalconfig"], capture_output=True, text=True, check=True
    ).stdout.strip()
    used = subprocess.run(
        [str(SCRIPT), "--show-config"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert used == system
    assert ".axe" not in used
