#!/usr/bin/env bash
# Issue 10's serving benchmark in one run: the stock `rasa init` bot, our embedded profile and
# our production profile (two Rasa servers behind nginx; one Rasa server with two Sanic workers),
# each started fresh, timed to its first answer, loaded by bench/load.py, measured and stopped.
#
#   bench/compare.sh [stock|embedded|production|workers|production3 ...]
#   (default: the first four; production3: three Rasa servers)
#
# Needs: a trained model (make train), PostgreSQL and Redis on 127.0.0.1 (production), nginx.
# The stock bot is created and trained once under var/bench/stock (`rasa init --no-prompt`).
# Ports 5205 (front), 5210-5211, 5255, 8200; PostgreSQL database assistant_bench (recreated).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=$ROOT/.venv/bin/python
export RASA_TELEMETRY_ENABLED=false ASSISTANT_ENV_FILE= TF_CPP_MIN_LOG_LEVEL=2
export ASSISTANT_RASA_PORT=5205 ASSISTANT_RASA_BACKEND_PORT=5210 ASSISTANT_ACTION_PORT=5255
export ASSISTANT_WEB_PORT=8200 ASSISTANT_RASA_URL=http://127.0.0.1:5205
export ASSISTANT_DB_NAME=assistant_bench ASSISTANT_REDIS_KEY_PREFIX=bench
# The load comes from one loopback client (no per-address limit): the per-sender limit is
# consulted (in Redis in the production profile) but set high enough never to refuse.
export ASSISTANT_RATE_LIMIT_PER_SENDER=100000 ASSISTANT_RATE_LIMIT_PER_ADDRESS=100000
mkdir -p var/bench

measure() {  # name, process pattern, command...
  local name=$1 pattern=$2
  shift 2
  echo "== $name ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"
  local out pgid
  out=$("$PY" -m bench.first_answer --url http://127.0.0.1:5205 --log "var/bench/$name.log" -- "$@")
  echo "$out" | grep first_answer
  pgid=$(echo "$out" | sed -n 's/^pgid: //p')
  "$PY" -m bench.load --url http://127.0.0.1:5205 --processes "$pattern" || true
  kill -TERM -- "-$pgid" 2>/dev/null || true
  for _ in $(seq 60); do kill -0 -- "-$pgid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pgid" 2>/dev/null || true
}

stock() {
  local dir=var/bench/stock
  if [ ! -f "$dir/models/stock.tar.gz" ]; then  # `rasa init` creates the bot and trains it
    rm -rf "$dir" && mkdir -p "$dir"
    (cd "$dir" && /usr/bin/time -f "stock init + training: %e s" "$ROOT/.venv/bin/rasa" init \
      --no-prompt >/dev/null)
    cp "$(ls -t "$dir"/models/*.tar.gz | head -n1)" "$dir/models/stock.tar.gz"
  fi
  measure stock "$ROOT/.venv/bin/rasa" bash -c "cd $dir && \
    $ROOT/.venv/bin/rasa run actions --port 5255 & cd $dir && exec $ROOT/.venv/bin/rasa run \
    --model models/stock.tar.gz --port 5205 --interface 127.0.0.1"
}

embedded() {
  rm -f var/bench/tracker.db var/bench/tracker.db-wal var/bench/tracker.db-shm
  measure embedded "$PY" \
    "$PY" -m assistant.cli serve --endpoints "$ROOT/var/bench/endpoints.yml"
}

production() {  # instances, Sanic workers per instance
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS assistant_bench WITH (FORCE)"
  ASSISTANT_RASA_INSTANCES=$1 SANIC_WORKERS=$2 measure "production-$1x$2" "$ROOT" \
    "$PY" -m assistant.cli serve --profile production
}

# The embedded profile's endpoints with this run's action port and database.
cat > var/bench/endpoints.yml <<EOF
action_endpoint:
  url: "http://127.0.0.1:5255/webhook"
  enable_selective_domain: true
tracker_store:
  type: SQL
  dialect: sqlite
  db: $ROOT/var/bench/tracker.db
EOF

for what in "${@:-stock embedded production workers}"; do
  for one in $what; do
    case $one in
      stock) stock ;;
      embedded) embedded ;;
      production) production 2 1 ;;
      workers) production 1 2 ;;
      production3) production 3 1 ;;
      *) echo "unknown: $one" >&2; exit 2 ;;
    esac
  done
done
