#!/usr/bin/env bash
# Stops a cluster started by scripts/slurm/start-local-cluster.sh: cancels its jobs, stops slurmd, slurmctld and
# munged by the PIDs recorded in STATE_DIR, then removes STATE_DIR.
#   scripts/slurm/stop-local-cluster.sh STATE_DIR [--keep]   (--keep leaves the folder, e.g. to read the logs)
set -uo pipefail
dir=${1:?usage: stop-local-cluster.sh STATE_DIR [--keep]}
[ -f "$dir/slurm.conf" ] || { echo "stop-local-cluster: $dir holds no cluster (no slurm.conf)" >&2; exit 1; }
export SLURM_CONF="$dir/slurm.conf"
scancel --full --quiet --partition=ldae 2>/dev/null || true

stop() { # stop PIDFILE: SIGTERM, then SIGKILL after 10 s
  local file=$1 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file" 2>/dev/null) || return 0
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
stop "$dir/slurmd.pid"
stop "$dir/slurmctld.pid"
stop "$dir/munge/munged.pid"
[ "${2:-}" = --keep ] || rm -rf "$dir"
