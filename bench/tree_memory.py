#!/usr/bin/env python3
"""Runs a command and writes the peak memory of its whole process tree.

    bench/tree_memory.py OUT COMMAND...

A build with several jobs renders in worker processes, so the peak RSS of
one process (what /usr/bin/time reports) no longer says what the machine
needs. Every 0.1 s this sums the proportional set size (PSS, from
/proc/PID/smaps_rollup) of the command and all its descendants — pages the
processes share, such as the program and its fonts, are split between them
rather than counted once per process — and writes the largest sum, in KB,
with the number of processes at that moment, to OUT. Exits with the
command's status.
"""

import os
import subprocess
import sys
import time


def children(pid):
    """Direct children of every thread of `pid` (workers are started from
    threads other than the main one)."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found.extend(int(c) for c in f.read().split())
    except OSError:
        pass
    return found


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, command = sys.argv[1], sys.argv[2:]
    process = subprocess.Popen(command)
    peak, processes = 0, 0
    while process.poll() is None:
        tree = [process.pid]
        for pid in tree:
            tree.extend(children(pid))
        total = sum(pss_kb(pid) for pid in tree)
        if total > peak:
            peak, processes = total, len(tree)
        time.sleep(0.1)
    with open(out, "w") as f:
        f.write(f"{peak} {processes}\n")
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()
