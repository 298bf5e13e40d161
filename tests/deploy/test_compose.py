"""deploy/: the container description, checked against the code it runs.

Docker is not usable on the development machine, so the images are never built here. What can
be checked without them is checked: every command of a service built from our image is one
its entry point accepts, every variable it sets is one the code reads, the variables the
production endpoints file needs are set, only the host's loopback is published, the review
console and the retention purge are part of it, and nginx accepts the configuration.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from rasa.__main__ import create_argument_parser

from assistant import actionserver, cli
from assistant.loadbalancer import nginx_binary
from assistant.review import __main__ as review_main
from assistant.web import __main__ as web_main

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PARSERS = {
    "assistant.actionserver": actionserver.build_parser,
    "assistant.cli": cli.build_parser,
    "assistant.review": review_main.build_parser,
    "assistant.web": web_main.build_parser,
}


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text(encoding="utf-8"))
    return compose["services"]


def _ours(services: dict[str, dict]) -> dict[str, dict]:
    return {name: spec for name, spec in services.items() if "build" in spec}


def _python_commands(command: list[str]) -> list[list[str]]:
    """The `python -m MODULE ARGS` calls of a service, also inside an `sh -c` loop."""
    if command[:2] == ["python", "-m"]:
        return [command[2:]]
    assert command[:2] == ["sh", "-c"], command
    calls = re.findall(r"python -m ([^;]+)", command[2])
    assert calls, command
    return [shlex.split(call) for call in calls]


def test_every_command_is_accepted_by_its_entry_point(services):
    seen = set()
    for name, spec in _ours(services).items():
        for module, *args in _python_commands(spec["command"]):
            seen.add(module)
            if module == "assistant.rasa_server":
                assert args[0] == "run", name
                parsed = create_argument_parser().parse_args(args)
                assert (ROOT / parsed.model).parent.name == "models"
                assert (ROOT / parsed.endpoints).is_file(), name
                assert (ROOT / parsed.credentials).is_file(), name
                continue
            parsed = PARSERS[module]().parse_args(args)
            endpoints = getattr(parsed, "endpoints", None)
            if endpoints is not None:
                assert Path(endpoints).name == "endpoints.production.yml", name
    assert seen == {*PARSERS, "assistant.rasa_server"}


def test_the_model_path_is_the_one_the_image_trains(services):
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "--fixed-model-name assistant --out models" in dockerfile
    assert "models/assistant.tar.gz" in services["rasa"]["command"]


def test_every_variable_set_is_read_by_the_code(services):
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "assistant").rglob("*.py"))
    for name, spec in _ours(services).items():
        for variable in spec["environment"]:
            if variable.startswith("SANIC_"):
                continue  # read by Sanic itself (documented in README, Production)
            assert f'"{variable}"' in code, f"{name}: {variable} is read nowhere"


def test_the_production_endpoints_get_every_variable_they_use(services):
    endpoints = (ROOT / "endpoints.production.yml").read_text(encoding="utf-8")
    needed = set(re.findall(r"\$\{(\w+)\}", endpoints))
    assert needed, "the production endpoints read their settings from the environment"
    for name in ("rasa", "actions", "review", "purge"):
        missing = needed - set(services[name]["environment"])
        assert not missing, f"{name} lacks {sorted(missing)}"


def test_only_the_hosts_loopback_is_published(services):
    published = {name: port for name, spec in services.items() for port in spec.get("ports", [])}
    assert published, "nginx at least is published"
    for name, port in published.items():
        assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_the_review_console_is_separate_from_the_public_proxy(services):
    assert "review" in services and "purge" in services
    review_port = services["review"]["ports"][0].split(":")[-1]
    assert "ASSISTANT_REVIEW_SECRET" in services["review"]["environment"]
    nginx_conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert "review" not in nginx_conf and review_port not in nginx_conf


def test_every_service_restarts_by_itself(services):
    for name, spec in services.items():
        assert spec.get("restart") == "unless-stopped", name


def test_nginx_accepts_the_configuration(tmp_path):
    nginx = nginx_binary()
    assert nginx, "nginx is a test prerequisite (README, Tests; .ci/run installs it)"
    # The service names resolve only inside compose's network: here they stand for loopback.
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    site = re.sub(r"\b(rasa|web):(\d+)", r"127.0.0.1:\2", site)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        "pid nginx.pid;\nerror_log stderr;\nevents {}\n"
        f"http {{\n  include {tmp_path / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def _readme_proxy_example() -> str:
    """The nginx site of the README's "Behind a reverse proxy" section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Behind a reverse proxy", 1)[1]
    found = re.search(r"```nginx\n(.*?)```", section, re.DOTALL)
    assert found, "the README's reverse proxy section has an nginx example"
    return found.group(1)


def test_nginx_accepts_the_readmes_reverse_proxy_example(tmp_path):
    nginx = nginx_binary()
    assert nginx, "nginx is a test prerequisite (README, Tests; .ci/run installs it)"
    site = _readme_proxy_example()
    for needed in (
        "Strict-Transport-Security",
        "client_max_body_size",
        "limit_req ",
        "ssl_certificate",
    ):
        assert needed in site, needed
    # nginx -t opens the certificate files: a throwaway self-signed pair stands in for them.
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=assistant.berlin.example",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    site = site.replace("/etc/ssl/assistant/fullchain.pem", str(cert))
    site = site.replace("/etc/ssl/assistant/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        "pid nginx.pid;\nerror_log stderr;\nevents {}\n"
        f"http {{\n  include {tmp_path / 'site.conf'};\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
