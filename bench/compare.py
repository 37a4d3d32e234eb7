#!/usr/bin/python3
"""netlab beside its baselines, on the same generated labs, in one run.

Run it through bench/compare.sh (as root); `--help` lists the options.
Methods, each building and removing the same lab (bench/lib/labs.py):
  netlab    `netlab up` (to ready), `up` again (no-op), `plan`, [edits], `down`
  netlab-b  the same with a second binary (--netlab-b), e.g. before/after
  seed      a script with one `ip`/`ovs-vsctl` command per step (seed demo style)
  batch     `ip -batch` script (bench/ip_batch_baseline.sh's way, bridged)
  floor     bench_kernel --bridge: raw netlink from 2 x cores threads (+ one
            OVSDB transaction for OVS); the least work the kernel allows
  mininet   bench/mininet_lab.py, when `mn` is installed
For each kind and N the methods take turns (A B C A B C ...), --reps times.
Every object's name starts with nb<pid>; all of them go at exit, also on
Ctrl-C or SIGTERM, and the run checks that nothing of them is left.
"""
import argparse
import datetime
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
import labs  # noqa: E402
import report  # noqa: E402

TIME = "/usr/bin/time"
ALL_METHODS = ["netlab", "netlab-b", "seed", "batch", "floor", "mininet"]


class Failure(Exception):
    pass


class Interrupted(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


class Runner:
    """Runs commands, timed, with peak RSS when /usr/bin/time is there."""

    def __init__(self, work):
        self.work = work
        self.has_time = os.access(TIME, os.X_OK)

    def run(self, argv, what, measure=True):
        """Returns (seconds, peak RSS kB or None, stdout, stderr)."""
        rss_file = os.path.join(self.work, "rss")
        full = ([TIME, "-v", "-o", rss_file] if measure and self.has_time else []) + argv
        t0 = time.monotonic()
        # Its own process group: on an interrupt the whole of it (a script
        # and its `ip` children) stops before the clean-up starts.
        p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
        try:
            so, se = p.communicate()
        except BaseException:
            stop_group(p)
            raise
        secs = time.monotonic() - t0
        if p.returncode != 0:
            tail = "\n".join((se or so).strip().splitlines()[-6:])
            raise Failure("%s: exit %d\n%s" % (what, p.returncode, tail))
        rss = None
        if measure and self.has_time:
            with open(rss_file) as f:
                m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
                rss = int(m.group(1)) if m else None
        return secs, rss, so, se


def stop_group(p):
    """SIGTERM to p's process group (netlab rolls back on it), SIGKILL after 30 s."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)  # the clean-up comes next, whatever happens
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(p.pid, sig)
            p.wait(wait)
            return
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue


def timings_of(stderr):
    m = re.search(r"^timings: (.*)$", stderr, re.M)
    return m.group(1).strip() if m else ""


class Netlab:
    is_netlab = True

    def __init__(self, name, binary, state):
        self.name, self.binary, self.state = name, binary, state
        self.labs = set()  # lab names that may stand, for the clean-up

    def cmd(self, sub, target, *extra):
        # Not -q: it silences --timings too. The progress lines go to a pipe.
        return [self.binary, sub, target, "--state-dir", self.state, "--timings"] + list(extra)

    def rep(self, b, lab):
        """One repetition on lab `lab` (kind, n, file, name); yields samples."""
        kind, n, topo, name = lab
        self.labs.add(name)
        out = []

        def step(phase, sub, target):
            secs, rss, _, err = b.runner.run(self.cmd(sub, target), "%s %s" % (self.name, phase))
            out.append((phase, secs, rss, timings_of(err)))

        step("up", "up", topo)
        step("noop", "up", topo)
        step("plan", "plan", topo)
        if b.args.edits:
            try:
                for edited in (True, False):  # host 0's address there and back
                    with open(topo, "w") as f:
                        f.write(labs.topology(kind, n, b.p, name, edited=edited))
                    step("edit", "up", topo)
            finally:  # the next repetition starts from the unedited lab
                with open(topo, "w") as f:
                    f.write(labs.topology(kind, n, b.p, name))
        step("down", "down", name)
        return out

    def clean(self, b):
        for name in sorted(self.labs):
            subprocess.run([self.binary, "down", name, "--state-dir", self.state],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Script:
    is_netlab = False

    def __init__(self, name, up, down):
        self.name, self.gen_up, self.gen_down = name, up, down

    def rep(self, b, lab):
        kind, n, _, _ = lab
        files = []
        for phase, gen in (("up", self.gen_up), ("down", self.gen_down)):
            path = os.path.join(b.work, "%s-%s-%d-%s.sh" % (self.name, kind, n, phase))
            if not os.path.exists(path):
                with open(path, "w") as f:
                    f.write(gen(kind, n, b.p))
            files.append((phase, path))
        out = []
        for phase, path in files:
            secs, rss, _, _ = b.runner.run(["bash", path], "%s %s" % (self.name, phase))
            out.append((phase, secs, rss, ""))
        return out

    def clean(self, b):
        pass


class Floor:
    """bench_kernel or mininet_lab.py: one process prints both phases."""

    is_netlab = False

    def __init__(self, name, argv):
        self.name, self.argv = name, argv

    def rep(self, b, lab):
        kind, n, _, _ = lab
        argv = [a.format(n=n, kind=kind, p=b.p) for a in self.argv]
        _, rss, so, se = b.runner.run(argv, self.name)
        f = dict(re.findall(r"(\w+)=([0-9.]+)", so))
        if "create_total_ms" not in f:
            raise Failure("%s: no figures in its output: %s" % (self.name, so.strip()))
        detail = (se.strip().splitlines() or [""])[-1]
        return [("up", float(f["create_total_ms"]) / 1e3, rss, detail),
                ("down", float(f["delete_total_ms"]) / 1e3, rss, "")]

    def clean(self, b):
        pass


class Bench:
    def __init__(self, args):
        self.args = args
        self.p = "nb%d" % os.getpid()
        self.out = args.out
        os.makedirs(self.out, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="%s-" % self.p, dir="/tmp")
        self.runner = Runner(self.work)
        self.states = []
        self.samples = []  # dicts, one per measured phase
        self.failures = []
        self.methods = self.pick_methods()

    def state_dir(self, tag):
        d = "/run/netlab-bench-%s-%s" % (self.p, tag)
        os.makedirs(d, exist_ok=True)
        self.states.append(d)
        return d

    def pick_methods(self):
        a = self.args
        wanted = a.methods.split(",") if a.methods else ALL_METHODS
        for w in wanted:
            if w not in ALL_METHODS:
                sys.exit("compare: unknown method %r (known: %s)" % (w, ", ".join(ALL_METHODS)))
        ms = []
        for w in wanted:
            if w == "netlab":
                ms.append(Netlab(a.label, os.path.abspath(a.netlab), self.state_dir("a")))
            elif w == "netlab-b" and a.netlab_b:
                ms.append(Netlab(a.label_b, os.path.abspath(a.netlab_b), self.state_dir("b")))
            elif w == "seed":
                ms.append(Script("seed", labs.seed_up, labs.seed_down))
            elif w == "batch":
                ms.append(Script("batch", labs.batch_up, labs.batch_down))
            elif w == "floor":
                if not os.access(a.floor, os.X_OK):
                    self.skip("floor: %s is not built (cmake --build build --target bench_kernel)"
                              % a.floor, fail=True)
                    continue
                ms.append(Floor("floor", [os.path.abspath(a.floor), "{n}", "--prefix", "{p}",
                                          "--bridge", "{kind}"]))
            elif w == "mininet":
                if not shutil.which("mn"):
                    self.skip("mininet: not installed (Debian package `mininet`); skipped")
                    continue
                ms.append(Floor("mininet", ["/usr/bin/python3", os.path.join(HERE, "mininet_lab.py"),
                                            "--kind", "{kind}", "--hosts", "{n}", "--prefix",
                                            "{p}"]))
        for m in ms:
            if isinstance(m, Netlab) and not os.access(m.binary, os.X_OK):
                sys.exit("compare: %s is not an executable (build it: cmake --build build "
                         "--target netlab)" % m.binary)
        return ms

    def skip(self, msg, fail=False):
        log("compare: " + msg)
        if fail and self.args.smoke:
            self.failures.append(msg)

    def settle(self, n):
        s = self.args.settle if self.args.settle is not None else 1 + n / 250
        time.sleep(s)

    def record(self, kind, n, method, rep, samples, load):
        for phase, secs, rss, detail in samples:
            self.samples.append(dict(kind=kind, n=n, method=method, phase=phase, rep=rep,
                                     seconds="%.4f" % secs, peak_rss_kb=rss or "",
                                     load1=load, detail=detail))

    def lab(self, kind, n):
        name = "%s-%s-%d" % (self.p, kind, n)
        topo = os.path.join(self.work, "%s.yaml" % name)
        with open(topo, "w") as f:
            f.write(labs.topology(kind, n, self.p, name))
        return kind, n, topo, name

    def one(self, m, lab, rep):
        kind, n, _, _ = lab
        load = load1()
        try:
            samples = m.rep(self, lab)
        except Failure as e:
            self.failures.append("%s %s N=%d rep %d: %s" % (m.name, kind, n, rep, e))
            log("compare: FAILED " + self.failures[-1])
            self.sweep(m)
            return
        self.record(kind, n, m.name, rep, samples, load)
        log("  %-8s %-5s N=%-5d rep %d: %s" % (m.name, kind, n, rep, "  ".join(
            "%s %.3f s" % (ph, s) for ph, s, _, _ in samples)))

    def measure(self):
        for kind in self.kinds():
            for n in self.args.sizes:
                lab = self.lab(kind, n)
                for rep in range(1, self.args.reps + 1):
                    for m in self.methods:
                        self.settle(n)
                        self.one(m, lab, rep)
        if self.args.small_beside_big:
            self.small_beside_big()
        if self.args.copies:
            self.copies()

    def kinds(self):
        ks = ["linux", "ovs"] if self.args.kind == "both" else [self.args.kind]
        if "ovs" in ks and subprocess.run(["ovs-vsctl", "--timeout=5", "show"],
                                          stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL).returncode != 0:
            self.skip("ovs: ovsdb-server does not answer; the OVS labs are skipped", fail=True)
            ks.remove("ovs")
        return ks

    def small_beside_big(self):
        """No-op `up` of demo 01 (--prefix) alone, then beside a standing big lab."""
        nls = [m for m in self.methods if isinstance(m, Netlab)]
        if not nls:
            return self.skip("small-beside-big: needs a netlab method", fail=True)
        demo = os.path.join(REPO, "topologies", "netns-demo-01.yaml")
        big = self.lab("linux", self.args.big)
        samples = self.args.small_samples
        try:
            for k, m in enumerate(nls):
                m.demo = (demo, "%sd%d" % (self.p, k))
                m.labs.add(m.demo[1] + "demo01")  # the lab's name with --prefix
                self.runner.run(m.cmd("up", demo, "--prefix", m.demo[1]), m.name + " demo01 up")
            for phase in ("small-alone", "small-beside"):
                if phase == "small-beside":
                    self.settle(self.args.big)
                    nls[0].labs.add(big[3])
                    self.runner.run(nls[0].cmd("up", big[2]), "big lab up")
                    time.sleep(self.args.settle if self.args.settle is not None else 5)
                for r in range(1, samples + 1):
                    for m in nls:
                        secs, _, _, err = self.runner.run(
                            m.cmd("up", demo, "--prefix", m.demo[1]), m.name + " demo01 no-op",
                            measure=False)
                        self.record("small", self.args.big, m.name, r,
                                    [(phase, secs, None, timings_of(err))], load1())
            self.runner.run(nls[0].cmd("down", big[3]), "big lab down")
            for m in nls:
                self.runner.run(m.cmd("down", "demo01", "--prefix", m.demo[1]),
                                m.name + " demo01 down")
        except Failure as e:
            self.failures.append("small-beside-big: %s" % e)
            log("compare: FAILED " + self.failures[-1])
            for m in nls:
                self.sweep(m)
        log("  small beside big: %d samples each, alone and beside %d hosts" %
            (samples, self.args.big))

    def copies(self):
        """--copies N: N copies of demo 03 (--prefix) up, tested and down from N
        concurrent processes, as CI jobs sharing one machine run them; per
        copy the time of each step and of the whole, and the run's wall time."""
        nls = [m for m in self.methods if isinstance(m, Netlab)]
        if not nls:
            return self.skip("copies: needs a netlab method", fail=True)
        m = nls[0]
        demo = os.path.join(REPO, "topologies", "netns-demo-03.yaml")
        n = self.args.copies
        # demo 03's longest root name is 6 characters: a prefix of at most 9.
        tag = "k%03x" % (os.getpid() % 4096)
        prefixes = ["%s%02d-" % (tag, k) for k in range(n)]
        for pf in prefixes:
            m.labs.add(pf + "demo03")
        rows = [None] * n

        def one(k):
            pf, times = prefixes[k], {}
            t0 = time.monotonic()
            try:
                for step, sub, target in (("up", "up", demo), ("test", "test", demo),
                                          ("down", "down", demo)):
                    s0 = time.monotonic()
                    argv = (m.cmd(sub, target, "--prefix", pf) if sub != "test" else  # no --timings
                            [m.binary, "test", target, "--state-dir", m.state, "--prefix", pf])
                    self.runner.run(argv, "copy %s %s" % (pf, step), measure=False)
                    times[step] = time.monotonic() - s0
                times["total"] = time.monotonic() - t0
            except Failure as e:
                times["error"] = str(e)
            rows[k] = times

        t0 = time.monotonic()
        threads = [threading.Thread(target=one, args=(k,)) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        failed = [(prefixes[k], r["error"]) for k, r in enumerate(rows) if "error" in r]
        for pf, err in failed:
            self.failures.append("copies: %s: %s" % (pf, err.splitlines()[0]))
            log("compare: copy %s failed:\n%s" % (pf, err))
        with open(os.path.join(self.args.out, "copies.csv"), "w") as f:
            f.write("copy,up,test,down,total,error\n")
            for k, r in enumerate(rows):
                f.write("%s,%s,%s,%s,%s,%s\n" % (prefixes[k], *("%.3f" % r[x] if x in r else ""
                        for x in ("up", "test", "down", "total")), r.get("error", "").splitlines()[0] if "error" in r else ""))

        def pct(xs, q):
            xs = sorted(xs)
            return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))] if xs else float("nan")

        lines = ["== %d copies of demo 03 from %d concurrent processes (%s) ==" % (n, n, m.name),
                 "wall time %.2f s; %d of %d copies ok" % (wall, n - len(failed), n),
                 "%-6s %8s %8s %8s" % ("step", "median", "p95", "max")]
        for step in ("up", "test", "down", "total"):
            xs = [r[step] for r in rows if step in r]
            lines.append("%-6s %8.2f %8.2f %8.2f" % (step, pct(xs, 0.5), pct(xs, 0.95),
                                                     max(xs) if xs else float("nan")))
        text = "\n".join(lines) + "\n"
        print("\n" + text)
        with open(os.path.join(self.args.out, "copies.txt"), "w") as f:
            f.write(text)
        # What the copies' own `down`s left (a failed copy is swept at the end).
        left = [x for x in subprocess.run(["ip", "netns", "list"], capture_output=True,
                                          text=True).stdout.split() if x.startswith(tag)]
        if left and not failed:
            self.failures.append("copies: namespaces left: %s" % left)

    # ---- clean-up -------------------------------------------------------

    def leftovers(self):
        mine = re.compile(r"^%s[a-z]" % re.escape(self.p))
        nss = [l.split()[0] for l in subprocess.run(
            ["ip", "netns", "list"], capture_output=True, text=True).stdout.splitlines()
            if l.strip()]
        links = [l.split(": ")[1].split("@")[0] for l in subprocess.run(
            ["ip", "-o", "link", "show"], capture_output=True, text=True).stdout.splitlines()
            if ": " in l]
        brs = subprocess.run(["ovs-vsctl", "--timeout=5", "list-br"], capture_output=True,
                             text=True).stdout.split() if shutil.which("ovs-vsctl") else []
        return ([n for n in nss if mine.match(n)], [l for l in links if mine.match(l)],
                [b for b in brs if mine.match(b)])

    def sweep(self, method=None):
        """netlab down for the labs of `method` (all when None), then deletes
        every namespace, link and OVS bridge named with this run's prefix."""
        for m in ([method] if method else self.methods):
            m.clean(self)
        nss, links, brs = self.leftovers()
        for b in brs:
            subprocess.run(["ovs-vsctl", "--if-exists", "del-br", b])
        for ns in nss:
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        for link in links:
            subprocess.run(["ip", "link", "del", link], stderr=subprocess.DEVNULL)

    def cleanup(self):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        self.sweep()
        deadline = time.monotonic() + 60
        while any(self.leftovers()) and time.monotonic() < deadline:
            time.sleep(0.2)  # namespaces go asynchronously, their root veth ends after
            self.sweep()
        for d in self.states:
            left = [e for e in os.listdir(d)] if os.path.isdir(d) else []
            if left:
                log("compare: state dir %s still holds %s" % (d, left))
            shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)
        nss, links, brs = self.leftovers()
        if nss or links or brs:
            msg = "left behind: namespaces %s, links %s, OVS bridges %s" % (nss, links, brs)
            self.failures.append(msg)
            log("compare: " + msg)
            return False
        log("compare: clean-up checked: no namespace, link or OVS bridge named %s* is left" %
            self.p)
        return True


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="bench/compare.sh", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="before/after: bench/compare.sh --netlab OLD/netlab --label before "
               "--netlab-b build/netlab --label-b after\n"
               "tables and plots again from a run's raw.csv: bench/compare.sh --replot DIR")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500, 1000, 2000],
                    help="host counts (default: 10 100 500 1000 2000)")
    ap.add_argument("--kind", choices=["linux", "ovs", "both"], default="both")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per method (default 3)")
    ap.add_argument("--netlab", default=os.path.join(REPO, "build", "netlab"))
    ap.add_argument("--netlab-b", help="a second netlab binary, measured as its own method")
    ap.add_argument("--label", default="netlab", help="name of --netlab in tables and plots")
    ap.add_argument("--label-b", default="netlab-b", help="name of --netlab-b")
    ap.add_argument("--floor", default=os.path.join(REPO, "build", "bench_kernel"),
                    help="bench_kernel binary (default build/bench_kernel)")
    ap.add_argument("--methods", help="comma-separated subset of: " + ",".join(ALL_METHODS))
    ap.add_argument("--out", help="output directory (default /tmp/netlab-bench-DATE)")
    ap.add_argument("--settle", type=float,
                    help="seconds to wait before each build (default 1 + N/250): the kernel "
                         "goes on tearing the last lab down after `down` returns")
    ap.add_argument("--edits", action="store_true",
                    help="netlab: change host 0's address in the standing lab, `up`, and back")
    ap.add_argument("--small-beside-big", action="store_true",
                    help="no-op `up` of demo 01 alone and beside a standing --big lab")
    ap.add_argument("--big", type=int, default=1000, help="hosts of the big lab (default 1000)")
    ap.add_argument("--small-samples", type=int, default=10)
    ap.add_argument("--copies", type=int, default=0,
                    help="N copies of demo 03 up, tested and down from N concurrent processes")
    ap.add_argument("--smoke", action="store_true",
                    help="N=10, 1 rep, every method, edits and small-beside-big (big=10); "
                         "exit 1 on any failure or leftover")
    a = ap.parse_args(argv)
    if a.smoke:
        a.sizes, a.reps, a.edits, a.small_beside_big, a.big = [10], 1, True, True, 10
        a.small_samples = min(a.small_samples, 3)
        if a.settle is None:
            a.settle = 0.5
    if not a.out:
        a.out = "/tmp/netlab-bench-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    if a.reps < 1 or any(n < 1 for n in a.sizes):
        ap.error("--reps and --sizes must be positive")
    return a


def raise_interrupted(signum, _frame):
    raise Interrupted("signal %d" % signum)


def main(argv):
    if argv[:1] == ["--replot"]:
        if len(argv) != 2:
            sys.exit("usage: bench/compare.sh --replot DIR")
        report.replot(argv[1])
        return 0
    a = parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("compare: run as root (it makes namespaces, links and bridges)")
    lock = open("/run/lock/netlab-compare.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        log("compare: waiting for another compare run to finish")
        fcntl.flock(lock, fcntl.LOCK_EX)
    b = Bench(a)
    if not b.runner.has_time:
        log("compare: %s is missing (Debian package `time`): no peak RSS" % TIME)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, raise_interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in background
    t0 = time.monotonic()
    header = report.machine(b, a)
    log("\n".join(header))
    log("compare: prefix %s, output %s, methods %s" % (b.p, a.out, " ".join(m.name for m in b.methods)))
    interrupted = False
    try:
        b.measure()
    except (KeyboardInterrupt, Interrupted) as e:
        interrupted = True
        log("compare: interrupted (%s); cleaning up" % (str(e) or "Ctrl-C"))
    finally:
        clean = b.cleanup()
    header.append("load after: %s; run took %.0f s" % (
        " ".join(open("/proc/loadavg").read().split()[:3]), time.monotonic() - t0))
    report.write(b, a, header)
    for f in b.failures:
        log("compare: FAILURE: " + f)
    if interrupted:
        return 130
    return 1 if b.failures or not clean else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
