#!/usr/bin/env bash
# Real brokers for stomp-streams, on fixed loopback ports, with configs in brokers/ and data,
# logs and pid files in brokers/run/ (git-ignored).
#
#   scripts/brokers.sh up      install what is missing, start everything, wait for STOMP CONNECTED
#   scripts/brokers.sh down    stop everything this script started
#   scripts/brokers.sh status  say which endpoints answer
#   scripts/brokers.sh queues  list the main RabbitMQ node's queues with message counts
#   scripts/brokers.sh restart activemq|rabbitmq
#                              stop one broker the way a service manager would (SIGTERM,
#                              persistent data kept) and start it again; used by the
#                              broker-restart reliability test
#
#   ActiveMQ 5.17   STOMP/TCP tcp://127.0.0.1:61613   websockify ws://127.0.0.1:61614 (binary)
#   RabbitMQ 3.10   STOMP/TCP tcp://127.0.0.1:61623   Web-STOMP  ws://127.0.0.1:15674/ws (binary)
#   RabbitMQ text   STOMP/TCP tcp://127.0.0.1:61624   Web-STOMP  ws://127.0.0.1:15675/ws (text frames only)
#   RabbitMQ management HTTP API http://127.0.0.1:15672 (main node), :15673 (text node)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
run="$root/brokers/run"
probe="python3 $root/scripts/stomp-probe.py"

ENDPOINTS=(
  "activemq tcp://127.0.0.1:61613"
  "activemq ws://127.0.0.1:61614/ binary"
  "rabbitmq tcp://127.0.0.1:61623"
  "rabbitmq ws://127.0.0.1:15674/ws"
  "rabbitmq-text tcp://127.0.0.1:61624"
  "rabbitmq-text ws://127.0.0.1:15675/ws"
)

log() { printf '[brokers] %s\n' "$*"; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

ensure_localhost() {
  getent hosts localhost >/dev/null 2>&1 || echo "127.0.0.1 localhost" >> /etc/hosts
}

# ---------- ActiveMQ ----------
activemq_up() {
  local dir="$run/activemq"
  mkdir -p "$dir/data" "$dir/conf"
  if alive "$dir/pid"; then return; fi
  cp "$root/brokers/activemq/activemq.xml" "$root/brokers/activemq/log4j.properties" "$dir/conf/"
  ( cd "$dir"
    setsid nohup java -Xms1g -Xmx1g -Djava.awt.headless=true \
      -Dorg.apache.activemq.UseDedicatedTaskRunner=true \
      -Dactivemq.home=/usr/share/activemq -Dactivemq.base="$dir" -Dactivemq.conf="$dir/conf" \
      -Dactivemq.data="$dir/data" -Dlog4j.configuration="file:$dir/conf/log4j.properties" \
      -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$dir/conf/activemq.xml" \
      </dev/null > "$dir/stdout.log" 2>&1 &
    echo $! > "$dir/pid" )
  log "ActiveMQ starting (pid $(cat "$dir/pid"))"
}

websockify_up() {
  local dir="$run/websockify"
  mkdir -p "$dir"
  if alive "$dir/pid"; then return; fi
  setsid nohup websockify 127.0.0.1:61614 127.0.0.1:61613 </dev/null > "$dir/websockify.log" 2>&1 &
  echo $! > "$dir/pid"
  log "websockify starting (pid $(cat "$dir/pid"))"
}

# ---------- RabbitMQ ----------
# rabbit_env NAME AMQP DIST STOMP WS FRAME MGMT: exports the environment of one private node.
rabbit_env() {
  local name=$1 dir="$run/$1"
  export RABBITMQ_NODENAME="stompstreams@localhost"
  if [ "$name" = rabbitmq-text ]; then RABBITMQ_NODENAME="stompstreams-text@localhost"; fi
  export HOME="$dir/home" RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_MNESIA_BASE="$dir/mnesia"
  export RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_ENABLED_PLUGINS_FILE="$root/brokers/rabbitmq/enabled_plugins"
  export RABBITMQ_PID_FILE="$dir/pid" RABBITMQ_NODE_PORT=$2 RABBITMQ_DIST_PORT=$3
  export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_PLUGINS_EXPAND_DIR="$dir/plugins-expand"
}

# Erlang's port mapper, started on its own so that no daemon inherits the caller's stdout.
epmd_up() {
  if ! pgrep -x epmd >/dev/null 2>&1; then
    ERL_EPMD_ADDRESS=127.0.0.1 setsid epmd -daemon </dev/null >/dev/null 2>&1 || true
  fi
}

# rabbit_up NAME AMQP DIST STOMP WS FRAME MGMT
rabbit_up() {
  local name=$1 dir="$run/$1"
  mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  if [ -f "$dir/server.pid" ] && kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then return; fi
  sed -e "s/@AMQP_PORT@/$2/" -e "s/@STOMP_PORT@/$4/" -e "s/@WS_PORT@/$5/" -e "s/@WS_FRAME@/$6/" -e "s/@MGMT_PORT@/$7/" \
    "$root/brokers/rabbitmq/rabbitmq.conf.in" > "$dir/rabbitmq.conf"
  [ -f "$dir/home/.erlang.cookie" ] || { head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/home/.erlang.cookie"; chmod 400 "$dir/home/.erlang.cookie"; }
  ( rabbit_env "$@"; setsid nohup /usr/lib/rabbitmq/bin/rabbitmq-server </dev/null > "$dir/stdout.log" 2>&1 & echo $! > "$dir/server.pid" )
  log "RabbitMQ $name starting (pid $(cat "$dir/server.pid"))"
}

rabbit_policy() {
  local name=$1
  ( rabbit_env "$@"
    local deadline=$((SECONDS + 120))
    until /usr/lib/rabbitmq/bin/rabbitmqctl -q -n "$RABBITMQ_NODENAME" await_startup --timeout 30 >/dev/null 2>&1; do
      if [ $SECONDS -ge $deadline ] || ! kill -0 "$(cat "$run/$name/server.pid")" 2>/dev/null; then
        log "RabbitMQ $name did not start; log tail:"; tail_logs "$name" >&2; return 1
      fi
      sleep 1
    done
    # Backlogs live on disk, not in RAM (RabbitMQ 3.10 kept a 1 GiB backlog in memory without this).
    /usr/lib/rabbitmq/bin/rabbitmqctl -q -n "$RABBITMQ_NODENAME" set_policy --apply-to queues lazy '.*' '{"queue-mode":"lazy"}' </dev/null >/dev/null 2>&1 )
}

rabbit_down() {
  local name=$1 dir="$run/$1"
  [ -f "$dir/server.pid" ] || return 0
  ( rabbit_env "$@"; /usr/lib/rabbitmq/bin/rabbitmqctl -q -n "$RABBITMQ_NODENAME" stop </dev/null >/dev/null 2>&1 || true )
  kill_pidfile "$dir/server.pid"
}

kill_pidfile() {
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  # Each broker runs in a session of its own (setsid): stop the whole process group.
  if kill -0 "$pid" 2>/dev/null; then
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

RABBIT_MAIN=(rabbitmq 5672 25672 61623 15674 binary 15672)
RABBIT_TEXT=(rabbitmq-text 5673 25673 61624 15675 text 15673)

wait_all() {
  local deadline=$((SECONDS + ${BROKERS_TIMEOUT:-120})) ok
  for ep in "${ENDPOINTS[@]}"; do
    local name url protocols
    read -r name url protocols <<< "$ep"
    ok=0
    while [ $SECONDS -lt $deadline ]; do
      if $probe "$url" 3 ${protocols:+"$protocols"} 2>/dev/null; then ok=1; break; fi
      sleep 1
    done
    if [ $ok = 1 ]; then log "$name $url answers CONNECTED"; else
      log "$name $url did not answer in time; log tail:"
      tail_logs "$name" >&2
      return 1
    fi
  done
}

tail_logs() {
  case $1 in
    activemq) tail -n 40 "$run/activemq/data/activemq.log" "$run/activemq/stdout.log" "$run/websockify/websockify.log" 2>/dev/null ;;
    *) tail -n 40 "$run/$1/stdout.log" "$run/$1"/log/*.log 2>/dev/null ;;
  esac
}

up() {
  bash "$root/scripts/setup-system.sh"
  ensure_localhost
  local t0=$SECONDS
  activemq_up
  websockify_up
  epmd_up
  rabbit_up "${RABBIT_MAIN[@]}"
  rabbit_up "${RABBIT_TEXT[@]}"
  rabbit_policy "${RABBIT_MAIN[@]}"
  rabbit_policy "${RABBIT_TEXT[@]}"
  wait_all
  log "all brokers up in $((SECONDS - t0)) s"
}

down() {
  kill_pidfile "$run/websockify/pid"
  kill_pidfile "$run/activemq/pid"
  rabbit_down "${RABBIT_MAIN[@]}"
  rabbit_down "${RABBIT_TEXT[@]}"
  epmd -kill </dev/null >/dev/null 2>&1 || true
  log "stopped"
}

status() {
  local rc=0
  for ep in "${ENDPOINTS[@]}"; do
    local name url protocols
    read -r name url protocols <<< "$ep"
    if $probe "$url" 3 ${protocols:+"$protocols"} 2>/dev/null; then echo "up    $name $url"; else echo "down  $name $url"; rc=1; fi
  done
  return $rc
}

# restart NAME: graceful stop, start again, wait until its endpoints answer.
restart() {
  local t0=$SECONDS
  case ${1:-} in
    activemq) kill_pidfile "$run/activemq/pid"; activemq_up ;;
    rabbitmq) rabbit_down "${RABBIT_MAIN[@]}"; rabbit_up "${RABBIT_MAIN[@]}"; rabbit_policy "${RABBIT_MAIN[@]}" ;;
    *) echo "usage: $0 restart activemq|rabbitmq" >&2; exit 2 ;;
  esac
  wait_all
  log "$1 restarted in $((SECONDS - t0)) s"
}

# queues: name and message count of every queue on the main RabbitMQ node (tab-separated).
queues() {
  ( rabbit_env "${RABBIT_MAIN[@]}"
    /usr/lib/rabbitmq/bin/rabbitmqctl -q -n "$RABBITMQ_NODENAME" list_queues --no-table-headers name messages </dev/null )
}

case ${1:-} in
  up) up ;;
  queues) queues ;;
  restart) restart "${2:-}" ;;
  down) down ;;
  status) status ;;
  logs) tail_logs "${2:-activemq}" ;;
  *) echo "usage: $0 up|down|status|restart <broker>|logs [name]" >&2; exit 2 ;;
esac
