"""Secure by default: what the settings are when nobody asked for DEBUG.

Before: DEBUG was on unless switched off, the secret key fell back to a public string,
and ``check --deploy`` gave 6 warnings, 4 of which no environment variable could fix.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys

from aquagrowth.server.localenv import write_demo_env
from tests.server.conftest import ROOT, base_env, console, production_env

SHOW = (
    "shell",
    "-v",
    "0",
    "-c",
    "from django.conf import settings as s; import json; print(json.dumps({k: getattr(s, k) "
    "for k in ('DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_HSTS_SECONDS', 'SECURE_REFERRER_POLICY', 'ALLOWED_HOSTS')}))",
)


def documented_environment() -> dict[str, str]:
    """The variables of the production example in docs/operations.md."""
    text = (ROOT / "docs" / "operations.md").read_text()
    block = re.search(r"<!-- production-env -->\s*```sh\n(.*?)```", text, re.S)
    assert block, "docs/operations.md has no production environment example"
    pairs = re.findall(r"^([A-Z_]+)=(\S*)", block.group(1), re.M)
    return dict(pairs)


def test_without_a_secret_key_outside_debug_nothing_starts(tmp_path):
    refused = console(base_env(tmp_path), "check")
    assert refused.returncode == 2
    assert refused.stderr.startswith("aquagrowth: DJANGO_SECRET_KEY is not set")
    assert "Traceback" not in refused.stderr
    # The server does not start either.
    assert console(base_env(tmp_path), "serve", "--no-collectstatic").returncode == 2
    # A developer who asks for DEBUG gets the development key.
    assert console(base_env(tmp_path, DJANGO_DEBUG="1"), "check").returncode == 0


def test_debug_is_off_and_https_on_unless_asked_for(tmp_path):
    shown = console(base_env(tmp_path, DJANGO_SECRET_KEY="x" * 50), *SHOW)
    assert shown.returncode == 0, shown.stderr
    values = json.loads(shown.stdout)
    assert values["DEBUG"] is False
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 365 * 86400
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"

    asked = console(base_env(tmp_path, DJANGO_DEBUG="1", DJANGO_ALLOWED_HOSTS="a.example"), *SHOW)
    values = json.loads(asked.stdout)
    assert values["DEBUG"] is True and values["SECURE_SSL_REDIRECT"] is False
    assert values["ALLOWED_HOSTS"] == ["a.example"]


def test_check_deploy_is_clean_with_the_documented_production_environment(tmp_path):
    documented = documented_environment()
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "AQUAGROWTH_TLS_PROXY"} <= set(documented)
    env = base_env(tmp_path, **documented)
    # The example's secret is a placeholder; a real one is as long and random.
    env["DJANGO_SECRET_KEY"] = production_env(tmp_path)["DJANGO_SECRET_KEY"]
    env["AQUAGROWTH_VAR"] = str(tmp_path)  # not the server's folder
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)  # no server needed to check the settings
    checked = console(env, "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout
    assert "WARNING" not in checked.stdout + checked.stderr


def test_the_demo_writes_its_secret_once_private_and_runs_without_debug(tmp_path):
    env_file = tmp_path / "local.env"
    assert write_demo_env(env_file) is True
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    first = env_file.read_text()
    assert write_demo_env(env_file) is False  # read on later runs, never rewritten
    assert env_file.read_text() == first
    secret = re.search(r"^DJANGO_SECRET_KEY=(\S{50,})$", first, re.M)
    assert secret

    # bin/demo's step, then the settings read the file: DEBUG off, plain HTTP on localhost.
    other = tmp_path / "fresh"
    assert console(base_env(other), "check").returncode == 2  # no secret yet
    made = _run_module(base_env(other), "aquagrowth.server.localenv")
    assert "mode 600" in made
    shown = console(base_env(other), *SHOW)
    assert shown.returncode == 0, shown.stderr
    values = json.loads(shown.stdout)
    assert values["DEBUG"] is False and values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False


def _run_module(env: dict[str, str], module: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", module], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bin_demo_writes_the_secret_before_the_first_command():
    script = (ROOT / "bin" / "demo").read_text().splitlines()
    steps = [line for line in script if line.startswith((".venv/", "exec "))]
    assert steps[0] == ".venv/bin/python -m aquagrowth.server.localenv"


def test_local_env_file_is_ignored_by_git():
    assert "var/" in (ROOT / ".gitignore").read_text().split()
