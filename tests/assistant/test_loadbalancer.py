"""nginx in front of the production profile's Rasa servers: nginx accepts the configuration we
write, and it says what the profile needs (balancing, Telegram to one server, body cap)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from assistant.loadbalancer import nginx_binary, nginx_command, write_config


def test_nginx_accepts_the_written_configuration(tmp_path: Path) -> None:
    binary = nginx_binary()
    assert binary, "nginx is not installed (Debian: apt-get install nginx; .ci/run does it)"
    config = write_config(5005, [5010, 5011], tmp_path)
    command = [*nginx_command(binary, config, tmp_path)[:-2], "-t", "-q"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def test_configuration_balances_messages_and_keeps_telegram_on_one_server(
    tmp_path: Path,
) -> None:
    text = write_config(5005, [5010, 5011, 5012], tmp_path).read_text(encoding="utf-8")
    rasa = text.split("upstream rasa {")[1].split("}")[0]
    telegram = text.split("upstream telegram {")[1].split("}")[0]
    assert "least_conn;" in rasa
    assert all(f"server 127.0.0.1:{port} " in rasa for port in (5010, 5011, 5012))
    assert "server 127.0.0.1:5010;" in telegram
    assert "server 127.0.0.1:5011 backup;" in telegram
    assert "server 127.0.0.1:5012 backup;" in telegram
    assert "listen 127.0.0.1:5005;" in text
    assert "client_max_body_size 64k;" in text
    assert "access_log off;" in text
