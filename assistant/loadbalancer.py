"""nginx in front of the production profile's Rasa servers: its configuration and command line.

`serve --profile production` writes the configuration under ``var/production/`` and runs nginx
(Debian package ``nginx``) in the foreground as one of its supervised children. nginx listens
where the single Rasa server listens in the embedded profile (``ASSISTANT_RASA_PORT``), so the
widget, the Telegram polling bridge and REST clients need no other address.

- Messages go to the Rasa server with the fewest open requests (``least_conn``); a server that
  refuses the connection (being restarted) is skipped and the request goes to the next one.
  A request that reached a server is never sent twice (nginx does not resend a POST).
- Telegram updates go to the first server while it is up, the others are its backups: a
  resent update then joins its answer in progress there (the in-flight bookkeeping of
  assistant/channels/telegram/webhook.py is per process); which updates were answered is
  shared in Redis (assistant/channels/telegram/ledger.py), so a backup answers none twice.
- Bodies over 64 KB are refused before they reach Python; bodies and answers stay in memory
  (the worker process, user ``nobody``, writes no files); no access log (visitor addresses are
  personal data); the client's address goes on in ``X-Forwarded-For``, for the per-address
  limit (the Rasa servers trust one proxy: ``SANIC_PROXIES_COUNT=1``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

# Largest request body nginx passes on; the channels refuse more than 16 KB (64 KB Telegram).
MAX_BODY = "64k"
# How long nginx waits for a Rasa server's answer (the widget gives up after 20 s).
READ_TIMEOUT_SECONDS = 60
# Temporary folders nginx needs; under the working folder, not /var/lib/nginx.
_TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_binary() -> str | None:
    """Path of the nginx program, or None when it is not installed."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).is_file()), None
    )


def nginx_config(listen_port: int, backend_ports: list[int], workdir: Path) -> str:
    """The nginx configuration that balances `backend_ports` behind `listen_port` (loopback).

    Args:
        listen_port: where clients reach the Rasa servers.
        backend_ports: the Rasa servers' ports on 127.0.0.1; the first also takes Telegram.
        workdir: folder for nginx's pid file and temporary files.
    """
    servers = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in backend_ports
    )
    telegram = "\n".join(
        f"        server 127.0.0.1:{port}{' backup' if i else ''};"
        for i, port in enumerate(backend_ports)
    )
    temp = "\n".join(f"    {name}_temp_path {workdir / name};" for name in _TEMP_PATHS)
    proxy = f"""            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_read_timeout {READ_TIMEOUT_SECONDS}s;
            proxy_next_upstream error timeout;"""
    return f"""# Written by `serve --profile production` (assistant/loadbalancer.py).
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log stderr warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
{temp}
    client_max_body_size {MAX_BODY};
    client_body_buffer_size {MAX_BODY};
    client_body_timeout 10s;
    proxy_max_temp_file_size 0;
    upstream rasa {{
        least_conn;
{servers}
        keepalive 32;
    }}
    upstream telegram {{
{telegram}
    }}
    server {{
        listen 127.0.0.1:{listen_port};
        location /webhooks/telegram/ {{
            proxy_pass http://telegram;
{proxy}
        }}
        location / {{
            proxy_pass http://rasa;
{proxy}
        }}
    }}
}}
"""


def nginx_command(binary: str, config: Path, workdir: Path) -> list[str]:
    """nginx in the foreground with `config`, so that the supervisor sees it exit."""
    return [binary, "-p", str(workdir), "-c", str(config), "-g", "daemon off;"]


def write_config(listen_port: int, backend_ports: list[int], workdir: Path) -> Path:
    """Write the configuration (and nginx's temporary folders) into `workdir`; its path."""
    workdir.mkdir(parents=True, exist_ok=True)
    for name in _TEMP_PATHS:
        (workdir / name).mkdir(exist_ok=True)
    config = workdir / "nginx.conf"
    config.write_text(nginx_config(listen_port, backend_ports, workdir), encoding="utf-8")
    return config
