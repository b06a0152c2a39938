"""CPU time of commands run round-robin: every round runs each command once, in turn.

hyperfine runs all of one command's runs before the next command's, so a change in the
machine's load between two commands (other jobs on a shared 2-core machine, a CPU's frequency)
lands wholly on one side of a ratio. Run in turns, both sides see the same load; the median
over rounds then drops the runs a burst of load hit.

Usage: interleave.py [--runs N] [--warmup N] OUT.json NAME COMMAND [NAME COMMAND ...]
COMMAND is split like a shell word list (shlex), run without a shell, its output discarded.
OUT.json: {"results": [{"command": NAME, "cpu_ms": [...], "median_cpu_ms": M, "failures": F}]}
"""
import json
import os
import shlex
import statistics
import sys


def cpu_ms(argv):
    """Runs ARGV once; returns (its CPU time in ms, user + system, and its exit status)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        pid = os.posix_spawn(argv[0], argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 0),
                                           (os.POSIX_SPAWN_DUP2, devnull, 1),
                                           (os.POSIX_SPAWN_DUP2, devnull, 2)])
    finally:
        os.close(devnull)
    _, status, usage = os.wait4(pid, 0)
    return (usage.ru_utime + usage.ru_stime) * 1000, os.waitstatus_to_exitcode(status)


def main(args):
    runs, warmup = 20, 3
    while args and args[0].startswith("--"):
        if args[0] == "--runs":
            runs = int(args[1])
        elif args[0] == "--warmup":
            warmup = int(args[1])
        else:
            sys.exit("interleave.py: unknown option %s" % args[0])
        args = args[2:]
    if len(args) < 3 or len(args) % 2 == 0:
        sys.exit(__doc__)
    out, pairs = args[0], list(zip(args[1::2], args[2::2]))
    commands = [(name, shlex.split(command)) for name, command in pairs]
    samples = {name: [] for name, _ in commands}
    failures = {name: 0 for name, _ in commands}
    for rnd in range(warmup + runs):
        for name, argv in commands:
            ms, code = cpu_ms(argv)
            if rnd >= warmup:
                samples[name].append(ms)
                failures[name] += code != 0
    results = [{"command": name, "cpu_ms": samples[name],
                "median_cpu_ms": statistics.median(samples[name]), "failures": failures[name]}
               for name, _ in commands]
    with open(out, "w") as f:
        json.dump({"results": results}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
