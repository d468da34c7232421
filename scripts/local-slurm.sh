#!/usr/bin/env bash
# A real one-node Slurm on this machine, for tests: munged, slurmctld and
# slurmd from Debian's slurm-wlm and munge, configured in a directory of
# their own (the packages' files under /etc are not used).
#
#   scripts/local-slurm.sh start    install the packages if missing, write the
#                                   configuration, start the daemons, wait
#                                   until the node is idle
#   scripts/local-slurm.sh stop     stop the daemons
#   scripts/local-slurm.sh status   sinfo of the running cluster
#   scripts/local-slurm.sh env      prints `export SLURM_CONF=…`: eval it so
#                                   that sbatch, squeue and scancel use it
#
# GPOOL_SLURM_DIR (default /tmp/gpool-slurm) holds slurm.conf, the munge key
# and socket, state, spool and the daemons' logs; GPOOL_SLURM_CPUS (default 2)
# the node's CPUs. Exit status 3 when a daemon cannot start here (the reason
# is printed), so that a test can report itself skipped with that reason.
set -euo pipefail

DIR=${GPOOL_SLURM_DIR:-/tmp/gpool-slurm}
# At most 2 CPUs, and no more than this machine has (a node with more CPUs
# than its machine would stay drained).
CPUS=${GPOOL_SLURM_CPUS:-$(( $(nproc) < 2 ? $(nproc) : 2 ))}
CONF=$DIR/slurm.conf
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)

say() { echo "local-slurm: $*" >&2; }
cannot_run() { say "cannot run here: $*"; exit 3; }

install_packages() {
  local missing=""
  for p in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  say "installing$missing"
  # The packages' own services (if the machine runs systemd) use /etc/slurm and
  # /etc/munge; the daemons started below use this script's directory only.
  $SUDO apt-get update -q >&2 || cannot_run "apt-get update failed"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2 \
    || cannot_run "apt-get install$missing failed"
}

write_config() {
  local host user memory
  host=$(hostname -s)
  user=$(id -un)
  # Memory Slurm may hand out: 90% of this machine's, in MiB.
  memory=$(awk '/MemTotal/ { printf "%d", $2 * 0.9 / 1024 }' /proc/meminfo)
  mkdir -p "$DIR"/{state,spool,munge,log}
  chmod 700 "$DIR/munge"
  if [ ! -s "$DIR/munge/munge.key" ]; then
    dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$DIR/munge/munge.key"
  fi
  cat > "$CONF" <<EOF
# Written by scripts/local-slurm.sh: a one-node test cluster on $host.
ClusterName=gpooltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MailProg=/bin/true
# Finished jobs stay visible to squeue for 10 minutes (there is no accounting).
MinJobAge=600
KillWait=5
NodeName=$host NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  install_packages
  for d in munged slurmctld slurmd; do
    command -v "$d" >/dev/null || [ -x "/usr/sbin/$d" ] || cannot_run "$d is not installed"
  done
  export PATH=$PATH:/usr/sbin
  write_config
  if ! running "$DIR/munge/munged.pid"; then
    munged --force --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
      --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/log/munged.log" \
      --seed-file="$DIR/munge/munge.seed" 2>>"$DIR/log/munged.log" \
      || cannot_run "munged did not start ($(tail -n 2 "$DIR/log/munged.log" | tr '\n' ' '))"
  fi
  if ! running "$DIR/slurmctld.pid"; then
    slurmctld -f "$CONF" 2>>"$DIR/log/slurmctld.log" \
      || cannot_run "slurmctld did not start ($(tail -n 2 "$DIR/log/slurmctld.log" | tr '\n' ' '))"
  fi
  if ! running "$DIR/slurmd.pid"; then
    slurmd -f "$CONF" 2>>"$DIR/log/slurmd.log" \
      || cannot_run "slurmd did not start ($(tail -n 2 "$DIR/log/slurmd.log" | tr '\n' ' '))"
  fi
  export SLURM_CONF=$CONF
  for _ in $(seq 1 60); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -n 1 || true)
    case "$state" in
      idle*|mix*|alloc*) say "up: node $(hostname -s), $CPUS CPUs, state $state; SLURM_CONF=$CONF"; return 0 ;;
    esac
    sleep 1
  done
  cannot_run "the node did not become idle within 60 s (state '${state:-none}'; logs in $DIR/log)"
}

stop() {
  for name in slurmd slurmctld munge/munged; do
    if running "$DIR/$name.pid"; then
      kill "$(cat "$DIR/$name.pid")" 2>/dev/null || true
    fi
  done
  for _ in $(seq 1 20); do
    running "$DIR/slurmd.pid" || running "$DIR/slurmctld.pid" || running "$DIR/munge/munged.pid" || break
    sleep 0.5
  done
  say "stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) SLURM_CONF=$CONF sinfo ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
