# Shared helpers for deploy/local/*.sh. Sourced, not executed.
# shellcheck shell=bash

BG_DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BG_CACHE_DIR="${BG_CACHE_DIR:-$BG_DEPLOY_DIR/.cache}"
BG_LOCAL_DIR="${BG_LOCAL_DIR:-$BG_DEPLOY_DIR/.run}"
[[ "$BG_LOCAL_DIR" == /* ]] || BG_LOCAL_DIR="$PWD/$BG_LOCAL_DIR"
[[ "$BG_CACHE_DIR" == /* ]] || BG_CACHE_DIR="$PWD/$BG_CACHE_DIR"

# Pinned versions; fetch.sh passes them to the poms with -D<name>.version.
# Kafka: the newest 4.x the tests prove is the default; 3.9.1 is still tested
# (make test-kafka39). Neo4j 5.26 is the LTS line (Java 17 or 21).
KAFKA_VERSION="${BG_KAFKA_VERSION:-4.4.0}"
NEO4J_VERSION="${BG_NEO4J_VERSION:-5.26.30}"
# Kafka 3.x logs through reload4j (log4j 1 properties), 4.x through log4j2.
case "$KAFKA_VERSION" in
  3.*) KAFKA_LOGGING=log4j1 ;;
  *) KAFKA_LOGGING=log4j2 ;;
esac
# shellcheck disable=SC2034  # used by the scripts that source this file
KAFKA_LIB_DIR="$BG_CACHE_DIR/kafka-$KAFKA_VERSION/lib"
# shellcheck disable=SC2034
NEO4J_LIB_DIR="$BG_CACHE_DIR/neo4j-$NEO4J_VERSION/lib"

START_TIMEOUT="${BG_START_TIMEOUT:-120}"
STOP_TIMEOUT="${BG_STOP_TIMEOUT:-30}"

log() { printf '[%s] %s\n' "${SVC:-local}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    command -v java
  else
    die "no java found (set JAVA_HOME or put java on PATH)"
  fi
}

# Exit 0 if something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Exit 0 if PID $1 exists and is not a zombie.
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# Exit 0 if $1 is a live process whose command line contains $2
# (guards against acting on a recycled PID).
pid_matches() {
  local pid="$1" needle="$2"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle"
}

read_pid() {
  if [[ -f "$1" ]]; then tr -dc '0-9' <"$1"; fi
}

# is_running PIDFILE MAINCLASS PORT -> 0 if recorded process is alive and port open.
is_running() {
  local pid
  pid="$(read_pid "$1")"
  pid_matches "$pid" "$2" && port_open "$3"
}

# launch LOGFILE PIDFILE CMD... : start CMD detached in its own session.
launch() {
  local out="$1" pidfile="$2"
  shift 2
  # setsid: new session, so the service survives this shell and its terminal;
  # a non-leader background job makes setsid exec in place, so $! is the JVM.
  nohup setsid "$@" </dev/null >"$out" 2>&1 &
  printf '%s\n' "$!" >"$pidfile"
}

# show_tails FILE... : print the last lines of each non-empty file to stderr.
show_tails() {
  local f
  for f in "$@"; do
    [[ -s "$f" ]] || continue
    log "---- last lines of $f ----"
    tail -n 30 "$f" >&2 || true
  done
}

# wait_ready NAME PIDFILE MAINCLASS PORT LOGFILE READY_REGEX STDOUTFILE
# Ready = recorded process alive, TCP port open and READY_REGEX in LOGFILE.
wait_ready() {
  local name="$1" pidfile="$2" main="$3" port="$4" logfile="$5" ready="$6" stdoutfile="$7"
  local pid deadline=$((SECONDS + START_TIMEOUT))
  pid="$(read_pid "$pidfile")"
  [[ -n "$pid" ]] || { log "$name is not started (no pid file $pidfile)"; return 1; }
  while ((SECONDS < deadline)); do
    if ! pid_matches "$pid" "$main"; then
      log "$name process $pid exited during startup"
      show_tails "$logfile" "$stdoutfile"
      rm -f "$pidfile"
      return 1
    fi
    if port_open "$port" && grep -qE "$ready" "$logfile" 2>/dev/null; then
      log "$name ready on port $port (pid $pid)"
      return 0
    fi
    sleep 0.5
  done
  log "$name not ready on port $port after ${START_TIMEOUT}s (process $pid left running; stop it with: $(basename "$0") stop)"
  show_tails "$logfile" "$stdoutfile"
  return 1
}

# stop_pid NAME PIDFILE MAINCLASS: SIGTERM, wait STOP_TIMEOUT, then SIGKILL.
stop_pid() {
  local name="$1" pidfile="$2" main="$3" pid deadline
  pid="$(read_pid "$pidfile")"
  if [[ -z "$pid" ]]; then
    log "$name not running (no pid file)"
    rm -f "$pidfile"
    return 0
  fi
  if ! pid_matches "$pid" "$main"; then
    log "$name not running (stale pid file, pid $pid)"
    rm -f "$pidfile"
    return 0
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while alive "$pid" && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if alive "$pid"; then
    log "$name did not stop within ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    alive "$pid" && die "$name (pid $pid) survived SIGKILL"
  fi
  rm -f "$pidfile"
  log "$name stopped"
}

# status_of NAME PIDFILE MAINCLASS PORT
status_of() {
  local name="$1" pidfile="$2" main="$3" port="$4" pid
  pid="$(read_pid "$pidfile")"
  if pid_matches "$pid" "$main"; then
    if port_open "$port"; then
      echo "$name: running (pid $pid, port $port)"
      return 0
    fi
    echo "$name: starting or unhealthy (pid $pid, port $port closed)"
    return 1
  fi
  echo "$name: stopped"
  return 3
}

need_libs() {
  local dir="$1" what="$2"
  [[ -f "$dir/.complete" ]] || "$BG_DEPLOY_DIR/fetch.sh" "$what"
}

# ---------------------------------------------------------------------------
# One service's command line. A script that sources this file sets
#   SVC, MAIN, PID_FILE, HOME_DIR, LOG_DIR, LIB_DIR, PORT (the port that means "up"),
#   PORTS (array: every port it listens on), LOG_FILE + READY_RE (readiness line),
# defines svc_prepare (config, storage, credentials) and svc_launch (calls `launch`),
# then ends with: svc_main "$@"
# ---------------------------------------------------------------------------

# shellcheck disable=SC2153  # MAIN, PORT and the rest are set by the sourcing script
svc_wait() {
  wait_ready "$SVC" "$PID_FILE" "$MAIN" "$PORT" "$LOG_FILE" "$READY_RE" "$LOG_DIR/stdout.log"
}

svc_start() {
  if is_running "$PID_FILE" "$MAIN" "$PORT"; then
    log "already running (pid $(read_pid "$PID_FILE"), port $PORT)"
    return 0
  fi
  local pid port
  pid="$(read_pid "$PID_FILE")"
  if pid_matches "$pid" "$MAIN"; then
    # Alive but port not yet open: an earlier start is still coming up.
    [[ "${NO_WAIT:-0}" == 1 ]] && return 0
    log "process $pid exists but port $PORT is closed; waiting for it"
    svc_wait
    return
  fi
  rm -f "$PID_FILE"
  for port in "${PORTS[@]}"; do
    port_open "$port" && die "port $port is already in use by another process"
  done
  need_libs "$LIB_DIR" "$SVC"
  svc_prepare
  svc_launch
  log "started pid $(read_pid "$PID_FILE"); logs in $LOG_DIR"
  [[ "${NO_WAIT:-0}" == 1 ]] || svc_wait
}

svc_stop() { stop_pid "$SVC" "$PID_FILE" "$MAIN"; }

svc_reset() {
  svc_stop
  rm -rf "$HOME_DIR"
  log "removed $HOME_DIR"
}

svc_main() {
  NO_WAIT=0
  [[ "${2:-}" == --no-wait ]] && NO_WAIT=1
  case "${1:-}" in
    start) svc_start ;;
    stop) svc_stop ;;
    restart) svc_stop && svc_start ;;
    status) status_of "$SVC" "$PID_FILE" "$MAIN" "$PORT" ;;
    wait) svc_wait ;;
    reset) svc_reset ;;
    *) die "usage: $0 start [--no-wait]|stop|restart|status|wait|reset" ;;
  esac
}
