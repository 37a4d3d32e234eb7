"""bench/compare.py's output: the machine header, the tables of medians and
ratios (printed and in table.txt), CSV files and gnuplot PNGs in --out."""
import csv
import os
import re
import shutil
import statistics
import subprocess
from collections import defaultdict

PHASES = ["up", "noop", "plan", "edit", "down", "small-alone", "small-beside"]
PHASE_TITLE = {
    "up": "up (build, until ready)",
    "noop": "no-op up (right after the build)",
    "plan": "plan of the standing lab",
    "edit": "edit: host 0's address changed, up",
    "down": "down (until the root veth ends are gone)",
    "small-alone": "no-op up of demo 01 alone",
    "small-beside": "no-op up of demo 01 beside the big lab",
}
PHASE_SHORT = {"noop": "no-op up", "small-alone": "demo 01 alone",
               "small-beside": "demo 01 beside"}
REDRAWN = "(tables and plots redrawn from raw.csv by --replot)"
KIND_TITLE = {
    "linux": "Linux bridge",
    "ovs": "Open vSwitch (netdev)",
    "small": "demo 01 (--prefix), no-op up alone / beside a standing Linux-bridge lab of N hosts",
}


def _first_line(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def machine(b, a):
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    fs = _first_line(["findmnt", "-n", "-o", "FSTYPE", "-T", "/run/netns"])
    vswitchd = subprocess.run(["pgrep", "-x", "ovs-vswitchd"], capture_output=True).returncode == 0
    lines = [
        "machine: %d cores (%s), kernel %s, load %s" % (
            os.cpu_count(), cpu, os.uname().release,
            " ".join(open("/proc/loadavg").read().split()[:3])),
        "/run/netns on %s; ovs-vswitchd %s (%s)" % (
            fs, "running" if vswitchd else "not running",
            _first_line(["ovs-vsctl", "--version"]) if shutil.which("ovs-vsctl") else "-"),
        "sizes %s, kinds %s, reps %d, settle %s" % (
            " ".join(map(str, a.sizes)), a.kind, a.reps,
            "%.1f s" % a.settle if a.settle is not None else "1 + N/250 s"),
    ]
    for m in b.methods:
        if m.is_netlab:
            lines.append("%s: %s (%s)" % (m.name, m.binary, _first_line([m.binary, "--version"])))
    return lines


def _parts(detail):
    """'parse 0.9 ms observe 1.5 ms' -> {'parse': 0.9, 'observe': 1.5}"""
    return {k: float(v) for k, v in re.findall(r"([a-z]+) ([0-9.]+) ms", detail)}


def _medians(samples):
    groups = defaultdict(list)
    for s in samples:
        groups[(s["kind"], s["n"], s["method"], s["phase"])].append(s)
    med, timings = {}, {}
    for key, ss in groups.items():
        parts = [_parts(s["detail"]) for s in ss if " ms" in s["detail"]]
        if parts and key[2] != "floor":
            names = {x for p in parts for x in p}
            timings[key] = {x: statistics.median(p.get(x, 0.0) for p in parts)
                                    for x in names}
        secs = [float(s["seconds"]) for s in ss]
        rss = [int(s["peak_rss_kb"]) for s in ss if s["peak_rss_kb"] != ""]
        med[key] = dict(median=statistics.median(secs), min=min(secs), max=max(secs),
                        count=len(secs), rss_mb=statistics.median(rss) / 1024 if rss else None)
    return med, timings


def _fmt(x):
    if x is None:
        return "-"
    return "%.3f" % x if x < 10 else "%.1f" % x


def _ratio(x):
    return "-" if x is None else ("%.2f" % x if x < 10 else "%.1f" % x)


def write(b, a, header):
    out = a.out
    os.makedirs(out, exist_ok=True)
    fields = ["kind", "n", "method", "phase", "rep", "seconds", "peak_rss_kb", "load1", "detail"]
    with open(os.path.join(out, "raw.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(b.samples)
    med, timings = _medians(b.samples)
    methods = [m.name for m in b.methods]
    netlabs = [m.name for m in b.methods if m.is_netlab]
    with open(os.path.join(out, "medians.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "n", "method", "phase", "median_s", "min_s", "max_s", "reps",
                    "peak_rss_mb"])
        for (kind, n, m, ph), v in sorted(med.items(), key=lambda kv: _order(kv[0], methods)):
            w.writerow([kind, n, m, ph, "%.4f" % v["median"], "%.4f" % v["min"],
                        "%.4f" % v["max"], v["count"],
                        "%.1f" % v["rss_mb"] if v["rss_mb"] is not None else ""])
    ratios = []
    for (kind, n, m, ph), v in med.items():
        if m not in netlabs:
            continue
        for other in methods:
            o = med.get((kind, n, other, ph))
            if other != m and o and o["median"] > 0:
                ratios.append((kind, n, ph, m, other, v["median"] / o["median"]))
    with open(os.path.join(out, "ratios.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "n", "phase", "method", "versus", "ratio"])
        for r in sorted(ratios, key=lambda r: (r[0], r[1], _pi(r[2]), r[3], r[4])):
            w.writerow(list(r[:5]) + ["%.3f" % r[5]])
    text = header + [""] + _tables(med, timings, ratios, methods, netlabs, a)
    if b.failures:
        text += ["", "FAILURES:"] + ["  " + f.replace("\n", "\n    ") for f in b.failures]
    text += ["", _plots(med, methods, a, out)]
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write("\n".join(text) + "\n")
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write("\n".join(_markdown(med, timings, methods, netlabs)) + "\n")
    print("\n".join(text))
    print("CSV, table and plots in %s" % out)


def _pi(phase):
    return PHASES.index(phase) if phase in PHASES else len(PHASES)


def _order(key, methods):
    kind, n, m, ph = key
    return (kind, n, methods.index(m) if m in methods else 99, _pi(ph))


def _tables(med, timings, ratios, methods, netlabs, a):
    lines = []
    keys = sorted({(k, n, ph) for (k, n, m, ph) in med}, key=lambda x: (x[0], x[1], _pi(x[2])))
    cols = all_cols = [m for m in methods if any(key[2] == m for key in med)]
    w = max([8] + [len(c) + 1 for c in cols])
    for kind in sorted({k for k, _, _ in keys}):
        cols = [m for m in methods if any(key[0] == kind and key[2] == m for key in med)]
        lines.append("== %s: median seconds (samples, min, max: medians.csv) ==" %
                     KIND_TITLE.get(kind, kind))
        lines.append("%6s  %-12s" % ("N", "phase") + "".join("%*s" % (w, c) for c in cols))
        for k, n, ph in keys:
            if k == kind:
                lines.append("%6d  %-12s" % (n, ph) + "".join(
                    "%*s" % (w, _fmt(med[(k, n, c, ph)]["median"]) if (k, n, c, ph) in med
                             else "-") for c in cols))
        lines.append("")
    # Each netlab method against every baseline and against the netlab
    # methods before it (--netlab-b against --netlab: after / before).
    others = [c for c in all_cols if c != netlabs[-1]] if netlabs else []
    if ratios:
        lines.append("== ratios of medians: netlab method / other (below 1: netlab faster) ==")
        mw = max(len(m) for m in netlabs)
        lines.append("%-6s %6s  %-12s %-*s" % ("kind", "N", "phase", mw, "method") +
                     "".join("%*s" % (w + 1, "/" + o) for o in others))
        rmap = {(r[0], r[1], r[2], r[3], r[4]): r[5] for r in ratios}
        for k, n, ph in keys:
            for m in netlabs:
                row = [rmap.get((k, n, ph, m, o))
                       if o not in netlabs or netlabs.index(o) < netlabs.index(m) else None
                       for o in others]
                if any(x is not None for x in row):
                    lines.append("%-6s %6d  %-12s %-*s" % (k, n, ph, mw, m) +
                                 "".join("%*s" % (w + 1, _ratio(x)) for x in row))
        lines.append("")
    lines += _netlab_phases(timings, netlabs)
    cols = [m for m in methods if any(key[2] == m for key in med)]
    lines.append("== peak RSS, MB (/usr/bin/time -v; median over reps, largest phase) ==")
    lines.append("%-6s %6s" % ("kind", "N") + "".join("%*s" % (w, c) for c in cols))
    for k, n in sorted({(k, n) for k, n, _ in keys}):
        row = []
        for c in cols:
            vals = [v["rss_mb"] for (kk, nn, cc, _), v in med.items()
                    if (kk, nn, cc) == (k, n, c) and v["rss_mb"] is not None]
            row.append("%.1f" % max(vals) if vals else "-")
        if any(x != "-" for x in row):
            lines.append("%-6s %6d" % (k, n) + "".join("%*s" % (w, x) for x in row))
    return lines


def _markdown(med, timings, methods, netlabs):
    """The medians as Markdown tables for docs/performance.md: per kind, one
    row per N and phase, a column per method, then the first netlab method's
    ratio to every other method and its slowest --timings parts."""
    lines = []
    for kind in sorted({k for k, _, _, _ in med}):
        cols = [m for m in methods if any(key[0] == kind and key[2] == m for key in med)]
        main = next((m for m in netlabs if m in cols), None)
        versus = [c for c in cols if c != main] if main else []
        keys = sorted({(n, ph) for k, n, _, ph in med if k == kind},
                      key=lambda x: (x[0], _pi(x[1])))
        lines.append("%s, median seconds:" % KIND_TITLE.get(kind, kind))
        lines.append("")
        head = ["N", "phase"] + cols + ["%s / %s" % (main, v) for v in versus]
        if main:
            head.append("%s: largest parts (ms)" % main)
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for n, ph in keys:
            row = [str(n), PHASE_SHORT.get(ph, ph)]
            row += [_fmt(med[(kind, n, c, ph)]["median"]) if (kind, n, c, ph) in med else ""
                    for c in cols]
            mine = med.get((kind, n, main, ph))
            for v in versus:
                o = med.get((kind, n, v, ph))
                row.append(_ratio(mine["median"] / o["median"])
                           if mine and o and o["median"] > 0 else "")
            if main:
                parts = timings.get((kind, n, main, ph), {})
                top = sorted(parts.items(), key=lambda kv: -kv[1])[:2]
                row.append(", ".join("%s %.0f" % kv for kv in top))
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return lines


def _netlab_phases(timings, netlabs):
    """Medians of netlab's own --timings: what dominates each command."""
    if not timings:
        return []
    names = ["parse", "observe", "plan", "apply", "verify", "settle"]
    mw = max(len(m) for m in netlabs)
    lines = ["== netlab --timings, median ms per part (the rest is process start, output, "
             "locking) ==",
             "%-6s %6s  %-12s %-*s" % ("kind", "N", "phase", mw, "method") +
             "".join("%9s" % n for n in names)]
    for (k, n, m, ph), parts in sorted(timings.items(),
                                        key=lambda kv: (kv[0][0], kv[0][1], _pi(kv[0][3]),
                                                        netlabs.index(kv[0][2])
                                                        if kv[0][2] in netlabs else 9)):
        lines.append("%-6s %6d  %-12s %-*s" % (k, n, ph, mw, m) + "".join(
            "%9s" % ("%.1f" % parts[x] if x in parts else "-") for x in names))
    return lines + [""]


def _plots(med, methods, a, out):
    if not shutil.which("gnuplot"):
        return "gnuplot is missing (apt-get install -y gnuplot-nox): no plots drawn"
    made = []
    for kind in sorted({k for k, _, _, _ in med}):
        for ph in PHASES:
            if ph.startswith("small"):
                continue
            cols = [m for m in methods if any((k, m, p) == (kind, mm, ph) for k, _, mm, p in med)]
            ns = sorted({n for k, n, m, p in med if k == kind and p == ph})
            if not cols or not ns:
                continue
            base = os.path.join(out, "%s-%s" % (kind, ph))
            with open(base + ".dat", "w") as f:
                f.write("N " + " ".join(cols) + "\n")
                for n in ns:
                    f.write("%d " % n + " ".join(
                        "%.5f" % med[(kind, n, c, ph)]["median"] if (kind, n, c, ph) in med
                        else "?" for c in cols) + "\n")
            script = "\n".join([
                "set terminal pngcairo size 720,450 font ',10'",
                "set output '%s.png'" % base,
                "set logscale xy",
                "set grid",
                "set key top left",
                "set datafile missing '?'",
                "set title \"%s: %s, median of %d\"" % (KIND_TITLE.get(kind, kind),
                                                       PHASE_TITLE[ph], a.reps),
                "set xlabel 'hosts (N)'",
                "set ylabel 'seconds'",
                "plot for [i=2:%d] '%s.dat' using 1:i with linespoints lw 2 "
                "title columnheader(i)" % (len(cols) + 1, base),
            ])
            p = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
            if p.returncode == 0:
                made.append(os.path.basename(base) + ".png")
            else:
                return "gnuplot failed: %s" % p.stderr.strip()
    return "plots: " + (" ".join(made) if made else "none")


def replot(out):
    """Tables and plots again from OUT/raw.csv (e.g. of an interrupted run)."""
    import types

    with open(os.path.join(out, "raw.csv")) as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["n"], r["rep"] = int(r["n"]), int(r["rep"])
    names = list(dict.fromkeys(r["method"] for r in rows))
    netlabs = {r["method"] for r in rows if r["phase"] == "noop"}
    methods = [types.SimpleNamespace(name=n, is_netlab=n in netlabs) for n in names]
    header = []
    old = os.path.join(out, "table.txt")
    if os.path.exists(old):
        with open(old) as f:
            header = [l for l in f.read().split("\n\n", 1)[0].splitlines()
                      if l != REDRAWN]
    reps = max((r["rep"] for r in rows if not r["phase"].startswith("small")), default=0)
    b = types.SimpleNamespace(samples=rows, failures=[], methods=methods)
    write(b, types.SimpleNamespace(out=out, reps=reps), header + [REDRAWN])
