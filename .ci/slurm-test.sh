#!/usr/bin/env bash
# A real one-node Slurm cluster on localhost runs a sweep through `statphys sweep slurm`: every point is checked, one
# task is cancelled so that the merge job reports its point missing, a resubmission completes just that point, and the
# merged table equals a local `sweep run` of the same file; then `dmft threshold --slurm` (a short-hand on the same engine)
# has its merge job write threshold.json, equal to a local run's. Run by .ci/run on Linux; skipped with a message when Slurm
# cannot be installed or started (not root, no apt-get). The daemons are started without systemd and stopped by their
# PIDs at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "slurm test skipped: $*"; exit 0; }
[ "$(uname -s)" = Linux ] || skip "not Linux"
[ "$(id -u)" = 0 ] || skip "starting munged and slurmd needs root"
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 || ! command -v sbatch >/dev/null 2>&1 \
    || ! command -v munged >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || skip "Slurm is not installed and there is no apt-get to install it"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge; } >/dev/null 2>&1 \
        || skip "could not install slurmctld slurmd slurm-client munge"
fi

statphys="$(swift build --show-bin-path)/statphys"
[ -x "$statphys" ] || swift build --product statphys >/dev/null
work=$(mktemp -d /tmp/statphys-slurm.XXXXXX)
root=$work/cluster
mkdir -p "$root/state" "$root/spool" "$root/log"
started_munge=""

cleanup() {
    status=$?
    for daemon in slurmd slurmctld; do
        if [ -f "$root/$daemon.pid" ]; then kill "$(cat "$root/$daemon.pid")" 2>/dev/null || true; fi
    done
    if [ -n "$started_munge" ] && [ -f /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true; fi
    if [ $status -ne 0 ]; then
        echo "--- slurm logs"; tail -n 30 "$root"/log/*.log 2>/dev/null || true
        for log in "$work"/sweep/slurm/*/logs/*.out; do [ -f "$log" ] && { echo "--- $log"; cat "$log"; }; done
    fi
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT

fail() { echo "slurm test FAILED: $*"; exit 1; }

# munge: the key readable by munge only, /run/munge present, munged as the munge user (unless one already answers).
start=$(date +%s)
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    mkdir -p /run/munge && chown munge:munge /run/munge && chmod 0755 /run/munge
    [ -f /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; }
    chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
    runuser -u munge -- /usr/sbin/munged
    started_munge=yes
fi

host=$(hostname -s)
export SLURM_CONF=$root/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=statphys
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$root/state
SlurmdSpoolDir=$root/spool
SlurmctldPidFile=$root/slurmctld.pid
SlurmdPidFile=$root/slurmd.pid
SlurmctldLogFile=$root/log/slurmctld.log
SlurmdLogFile=$root/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 1 60); do
    sinfo -h -o %T 2>/dev/null | grep -qE "idle|mixed" && break
    sleep 1
done
sinfo -h -o %T | grep -qE "idle|mixed" || fail "the one-node cluster did not come up"
echo "slurm test: cluster up in $(( $(date +%s) - start )) s"

wait_for_jobs() {
    for _ in $(seq 1 300); do
        [ -z "$(squeue -h 2>/dev/null)" ] && return 0
        sleep 1
    done
    fail "jobs still queued after 300 s: $(squeue)"
}

# Four points, each a short simulation; one core per task would run them two at a time, so each task takes all the
# node's cores: they run one after the other, and the last task of the first array is still pending when cancelled.
cat > "$work/sweep.json" <<'JSON'
{"command": "online linear --t-max 10 --points 11 --d 200 --seeds 2 --quiet", "axes": {"lr": [0.2, 0.4, 0.6, 0.8]}}
JSON
out=$("$statphys" sweep slurm "$work/sweep.json" --output "$work/sweep" --cpus-per-task "$(nproc)" --max-array 3)
echo "$out"
echo "$out" | grep -q "4 of 4 points to run, in 2 array jobs (3 + 1 tasks)" || fail "expected two arrays (MaxArraySize 3)"
first=$(echo "$out" | sed -n 's/^array job \([0-9]*\).*/\1/p' | head -n 1)
[ -n "$first" ] || fail "no array job id in the output"
scancel "${first}_2"
wait_for_jobs
merge_log=$(ls "$work"/sweep/slurm/submission-1/logs/statphys-sweep-merge-*.out)
grep -q "4 points: 3 completed, 1 pending; missing: 2" "$merge_log" || { cat "$merge_log"; fail "the merge did not report point 2 missing"; }
echo "slurm test: the merge reports the cancelled point: $(grep 'missing' "$merge_log")"

# Resubmitting submits just the missing point.
out=$("$statphys" sweep slurm "$work/sweep.json" --output "$work/sweep" --cpus-per-task "$(nproc)")
echo "$out"
echo "$out" | grep -q "1 of 4 points to run" || fail "the resubmission should run only the missing point"
wait_for_jobs
merge_log=$(ls "$work"/sweep/slurm/submission-2/logs/statphys-sweep-merge-*.out)
grep -q "4 points: 4 completed" "$merge_log" || { cat "$merge_log"; fail "the resubmission did not complete the sweep"; }
for i in 00000 00001 00002 00003; do
    grep -q '"outcome" : "completed"' "$work/sweep/status/$i.json" || fail "point $i is not complete"
done
out=$("$statphys" sweep slurm "$work/sweep.json" --output "$work/sweep")
echo "$out" | grep -q "nothing to submit" || fail "a complete sweep should submit nothing"

# The same sweep run locally gives the same table.
"$statphys" sweep run "$work/sweep.json" --output "$work/local" --quiet >/dev/null
cmp "$work/sweep/table.csv" "$work/local/table.csv" || { diff "$work/sweep/table.csv" "$work/local/table.csv" || true; fail "the Slurm table differs from a local run"; }

# A short-hand on the same engine: dmft threshold's points as array tasks, its threshold.json written by the merge job
# and identical to a local run's.
threshold=(dmft threshold --batch 1 --alpha 2.6,2.8,3.0,3.2 --steps 60 --no-png --quiet)
"$statphys" "${threshold[@]}" --output "$work/threshold" --slurm >/dev/null || fail "dmft threshold --slurm did not submit"
wait_for_jobs
[ -f "$work/threshold/threshold.json" ] || { cat "$work"/threshold/slurm/submission-1/logs/*.out; fail "the merge job wrote no threshold.json"; }
"$statphys" "${threshold[@]}" --output "$work/threshold-local" >/dev/null
cmp "$work/threshold/threshold.json" "$work/threshold-local/threshold.json" || fail "threshold.json from Slurm differs from a local run"
echo "slurm test: dmft threshold --slurm wrote the local run's threshold.json"
echo "slurm test passed in $(( $(date +%s) - start )) s"
