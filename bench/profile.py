#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/profile.py: where a TLS handshake spends its CPU in ktla-serve, against bare mbedTLS.

  profile.py --build DIR --bare BINARY --work DIR --cert FILE --key FILE [--connections N] [--out JSON]

Runs ktla-serve (one worker, on this machine's record layer) and
bench/bare-server (mbedTLS alone, configured like ktla) under valgrind's
callgrind, which counts the instructions each function executes: the same
work gives the same counts whatever else runs on the machine, so the two can
be compared function by function on a loaded machine.  For each of TLS 1.3
and 1.2, full and resumed (ticket), one client (bench/tls_client.py, Python's
ssl) makes N connections, each a handshake and one small GET read to the end
(like s_time -www); the counters are zeroed before them and dumped after, so
start-up is not counted.  Writes the findings as JSON, with a Markdown
section for the report under "markdown".
"""
import argparse
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from servers import free_port, wait_listening  # noqa: E402

TLS_CLIENT = os.path.join(HERE, "tls_client.py")
SCENARIOS = [("tls13_full", "1.3", False), ("tls13_resumed", "1.3", True),
             ("tls12_full", "1.2", False), ("tls12_resumed", "1.2", True)]
# Where the handshake's work goes, as inclusive costs of mbedTLS's entry points.
# Each centre: alternatives (the largest wins, since TLS 1.2 and 1.3 reach the
# same work through different calls); each alternative: functions to add up.
CENTRES = [
    ("ECDHE key generation (X25519)", [["psa_generate_key", "psa_export_public_key"],
                                       ["mbedtls_ecdh_make_params"], ["mbedtls_ecdh_gen_public"]]),
    ("ECDHE shared secret (X25519)", [["psa_raw_key_agreement"], ["mbedtls_ecdh_calc_secret"]]),
    ("ECDSA P-256 signature", [["mbedtls_pk_sign_ext"], ["mbedtls_pk_sign"], ["mbedtls_pk_sign_restartable"]]),
    ("session ticket: write", [["mbedtls_ssl_ticket_write"]]),
    ("session ticket: parse", [["mbedtls_ssl_ticket_parse"]]),
    ("TLS 1.3 key schedule (HKDF)", [["mbedtls_ssl_tls13_key_schedule_stage_early",
                                      "mbedtls_ssl_tls13_key_schedule_stage_application",
                                      "mbedtls_ssl_tls13_generate_handshake_keys",
                                      "mbedtls_ssl_tls13_generate_application_keys",
                                      "mbedtls_ssl_tls13_generate_resumption_master_secret"]]),
    ("mbedtls_ssl_setup (buffers)", [["mbedtls_ssl_setup"]]),
    ("mbedtls_ssl_free", [["mbedtls_ssl_free"]]),
]
# One connection's life, as inclusive costs of the calls each server makes.
PHASES = {
    "ktla": [("ktla_conn_new", ["ktla_conn_new"]), ("handshake: mbedtls_ssl_handshake", ["mbedtls_ssl_handshake"]),
             ("handshake: the rest of ktla_accept (hand-off, keys)", ["ktla_accept", "-mbedtls_ssl_handshake",
                                                                       "-mbedtls_ssl_setup"]),
             ("mbedtls_ssl_setup", ["mbedtls_ssl_setup"]),
             ("request: ktla_read", ["ktla_read"]), ("response: ktla_write + ktla_sendfile",
                                                       ["ktla_write", "ktla_sendfile"]),
             ("close: ktla_shutdown", ["ktla_shutdown"]), ("ktla_conn_free", ["ktla_conn_free"])],
    "bare": [("mbedtls_ssl_setup", ["mbedtls_ssl_setup"]), ("handshake: mbedtls_ssl_handshake",
                                                            ["mbedtls_ssl_handshake"]),
             ("request: mbedtls_ssl_read", ["mbedtls_ssl_read"]), ("response: mbedtls_ssl_write",
                                                                   ["mbedtls_ssl_write"]),
             ("close: mbedtls_ssl_close_notify", ["mbedtls_ssl_close_notify"]), ("mbedtls_ssl_free",
                                                                                ["mbedtls_ssl_free"])],
}
LINE = re.compile(r"^\s*([\d,]+) \([^)]*\)\s+(.*?) \[([^\]]*)\]\s*$")


def annotate(path, inclusive):
    """{(function, object): Ir} from callgrind_annotate, and the program total."""
    out = subprocess.run(["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}", "--threshold=100",
                          path], capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"^\s*([\d,]+) \S*\s*PROGRAM TOTALS", out, re.M).group(1).replace(",", ""))
    costs = {}
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            fn = m.group(2).split(":", 1)[-1]
            obj = os.path.basename(m.group(3))
            costs[(fn, obj)] = costs.get((fn, obj), 0) + int(m.group(1).replace(",", ""))
    return total, costs


def calls_to(path, fn):
    """(calls, inclusive Ir) of one function, from callgrind_annotate's caller tree."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--tree=caller", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    mark = re.compile(r"\*\s+\S*:" + re.escape(fn) + r" \[")
    for block in out.split("\n\n"):
        lines = block.strip().splitlines()
        star = [line for line in lines if mark.search(line)]
        if star:
            calls = sum(int(m.group(1).replace(",", "")) for line in lines
                        for m in [re.search(r"<.*\(([\d,]+)x\)", line)] if m)
            return calls, int(star[0].split()[0].replace(",", ""))
    return 0, 0


def by_name(costs):
    named = {}
    for (fn, _), v in costs.items():
        named[fn] = max(named.get(fn, 0), v)
    return named


def profile_server(name, cmd, port, work, n, log, launcher=()):
    """Run cmd under callgrind; one dump per scenario; returns {scenario: dump path}.

    launcher: for a program of the build tree, libtool's execute mode, so that
    valgrind runs the program itself and not libtool's wrapper script."""
    launcher = list(launcher)
    out_pattern = os.path.join(work, f"{name}.%p.callgrind")
    for old in glob.glob(os.path.join(work, f"{name}.*.callgrind*")):
        os.unlink(old)
    with open(log, "ab") as lf:
        proc = subprocess.Popen(launcher + ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_pattern}",
                                 "--dump-instr=no", "--vgdb=yes"] + cmd, stdout=lf, stderr=lf,
                                start_new_session=True)
    dumps = {}
    try:
        wait_listening(port, proc, log, timeout=120)
        for scen, version, resume in SCENARIOS:
            client = subprocess.Popen([sys.executable, TLS_CLIENT, "seq", "127.0.0.1", str(port), "/1KiB.bin",
                                       str(n), "--tls", version, "--prime"] + (["--resume"] if resume else []),
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            if client.stdout.readline().strip() != "primed":
                raise RuntimeError(f"{name}: the client could not make its first connection")
            subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True, capture_output=True)
            client.stdin.write("go\n")
            client.stdin.flush()
            result = client.stdout.readline().split()
            client.wait()
            if client.returncode != 0 or len(result) != 4:
                raise RuntimeError(f"{name}, {scen}: the client failed")
            resumed = int(result[3])
            if resume and resumed != n:
                raise RuntimeError(f"{name}, {scen}: only {resumed} of {n} connections were resumed")
            before = set(glob.glob(os.path.join(work, f"{name}.{proc.pid}.callgrind.*")))
            subprocess.run(["callgrind_control", "-d", scen, str(proc.pid)], check=True, capture_output=True)
            for _ in range(600):
                new = set(glob.glob(os.path.join(work, f"{name}.{proc.pid}.callgrind.*"))) - before
                if new:
                    break
                time.sleep(0.1)
            time.sleep(0.5)  # the dump file is written by then
            dumps[scen] = sorted(new)[0]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return dumps


def syscall_counts(name, cmd, port, work, n, launcher=()):
    """System calls per TLS 1.3 full connection (strace -c), start-up excluded: a run with
    one connection is subtracted from a run with 1 + n."""
    counts = []
    for extra in (0, n):
        out = os.path.join(work, f"{name}.strace.{extra}")
        log = os.path.join(work, f"{name}.strace.log")
        with open(log, "ab") as lf:
            proc = subprocess.Popen(list(launcher) + ["strace", "-f", "-c", "-o", out] + cmd, stdout=lf, stderr=lf,
                                    start_new_session=True)
        try:
            wait_listening(port, proc, log, timeout=60)
            subprocess.run([sys.executable, TLS_CLIENT, "seq", "127.0.0.1", str(port), "/1KiB.bin", str(1 + extra),
                            "--tls", "1.3"], check=True, capture_output=True, timeout=600)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        calls = {}
        with open(out) as f:
            for line in f:
                m = re.match(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", line)
                if m and m.group(2) != "total":
                    calls[m.group(2)] = int(m.group(1))
        counts.append(calls)
    return {k: (counts[1].get(k, 0) - counts[0].get(k, 0)) / n for k in set(counts[0]) | set(counts[1])}


def analyse(scen, ktla_dump, bare_dump, n):
    kt_total, kt_self = annotate(ktla_dump, False)
    bt_total, bt_self = annotate(bare_dump, False)
    _, kt_incl = annotate(ktla_dump, True)
    _, bt_incl = annotate(bare_dump, True)
    ki, bi = by_name(kt_incl), by_name(bt_incl)

    def centre(incl, alternatives):
        return max(sum(incl.get(f, 0) for f in alt) for alt in alternatives)

    def phase(incl, names):
        return sum(-incl.get(f[1:], 0) if f.startswith("-") else incl.get(f, 0) for f in names)

    phases = {who: [(title, phase(incl, names) / n) for title, names in PHASES[who]]
              for who, incl in (("ktla", ki), ("bare", bi))}
    for who, total in (("ktla", kt_total), ("bare", bt_total)):
        phases[who].append(("everything else (the server's own loop, syscalls' user side)",
                            total / n - sum(v for _, v in phases[who])))
    centres = []
    for title, alts in CENTRES:
        centres.append({"what": title, "bare": centre(bi, alts) / n, "ktla": centre(ki, alts) / n})
    hs_bare = bi.get("mbedtls_ssl_handshake", 0) / n
    hs_ktla_mbed = ki.get("mbedtls_ssl_handshake", 0) / n
    accept = ki.get("ktla_accept", 0) / n
    # Self costs, function by function: what ktla-serve executes beyond the bare server.
    diffs = {}
    # Frames that were live when the counters were zeroed (main, the thread's
    # start routine) show the whole dump as their own cost: not a real cost.
    kt_self = {k: v for k, v in kt_self.items() if v < 0.9 * kt_total}
    bt_self = {k: v for k, v in bt_self.items() if v < 0.9 * bt_total}
    for key in set(kt_self) | set(bt_self):
        fn, obj = key
        d = kt_self.get(key, 0) - bt_self.get(key, 0)
        if obj.startswith("bare-server"):
            continue
        diffs[f"{fn} [{obj}]"] = diffs.get(f"{fn} [{obj}]", 0) + d
    top = sorted(diffs.items(), key=lambda kv: -kv[1])[:15]
    objects = {}
    for (fn, obj), v in kt_self.items():
        objects.setdefault(obj, [0, 0])[0] += v
    for (fn, obj), v in bt_self.items():
        objects.setdefault("(the bare server itself)" if obj.startswith("bare-server") else obj, [0, 0])[1] += v
    allocator = {}
    for fn in ("calloc", "free"):
        for who, path in (("ktla", ktla_dump), ("bare", bare_dump)):
            calls, ir = calls_to(path, fn)
            allocator.setdefault(fn, {})[who] = {"calls_per_conn": calls / n, "ir_per_call": ir / calls if calls else 0}
    return {
        "scenario": scen, "connections": n, "allocator": allocator,
        "ir_per_conn": {"ktla": kt_total / n, "bare": bt_total / n},
        "overhead": kt_total / bt_total - 1,
        "handshake": {"bare_mbedtls_ssl_handshake": hs_bare, "ktla_mbedtls_ssl_handshake": hs_ktla_mbed,
                      "ktla_accept": accept, "handoff": ki.get("ktla__handoff", 0) / n,
                      "access_log": ki.get("log_request", 0) / n},
        "centres": centres, "phases": phases,
        "top_extra": [{"function": f, "ir_per_conn": d / n, "share_of_bare": d / bt_total} for f, d in top],
        "objects": {o: {"ktla": v[0] / n, "bare": v[1] / n} for o, v in objects.items()},
    }


def mir(x):
    return f"{x / 1e6:.2f}"


def scen_name(scen):
    return scen.replace("tls13", "TLS 1.3").replace("tls12", "TLS 1.2").replace("_", " ")


def findings(results):
    """The reading of the tables, in words, from this run's numbers."""
    r = next(x for x in results if x["scenario"] == "tls13_full")
    bare = r["ir_per_conn"]["bare"]
    pk = sum(c["bare"] for c in r["centres"][:3])
    extra = r["ir_per_conn"]["ktla"] - bare
    in_hs = r["handshake"]["ktla_mbedtls_ssl_handshake"] - r["handshake"]["bare_mbedtls_ssl_handshake"]
    rest = r["handshake"]["ktla_accept"] - r["handshake"]["ktla_mbedtls_ssl_handshake"]
    ca = r["allocator"]["calloc"]
    fr = r["allocator"]["free"]
    r12 = next(x for x in results if x["scenario"] == "tls12_resumed")
    keygen, shared = r["centres"][0]["bare"], r["centres"][1]["bare"]
    how = ("mbedTLS computes the public key with a full scalar multiplication, as costly as the shared secret"
           if 0.8 < keygen / shared < 1.25 else
           f"{keygen / shared:.1f} times the shared secret: mbedTLS makes TLS 1.3's key share through PSA, whose "
           "X25519 key generation does not use the same code as its key agreement")
    text = [f"\n**Reading.** In a full TLS 1.3 handshake the bare server spends {100 * pk / bare:.0f} % of its "
            f"instructions in three public-key operations: X25519 key generation ({100 * keygen / bare:.0f} %; "
            f"{how}), "
            f"the X25519 shared secret ({100 * shared / bare:.0f} %) and the ECDSA P-256 signature "
            f"({100 * r['centres'][2]['bare'] / bare:.0f} %). A resumed TLS 1.3 handshake still pays both X25519 "
            "operations (psk_dhe_ke, which OpenSSL's clients ask for). ktla-serve executes "
            f"{100 * r['overhead']:+.1f} % more ({extra / 1e6:.2f} M Ir): {in_hs / 1e6:.2f} M inside "
            "mbedtls_ssl_handshake itself, "
            f"{rest / 1e6:.2f} M in the rest of ktla_accept (the hand-off's checks; with the record layer in the "
            "kernel also the traffic keys derived from the exported secrets), and the rest in ktla-serve's loop, "
            "HTTP and access log."]
    if ca["ktla"]["calls_per_conn"] and abs(ca["ktla"]["calls_per_conn"] / ca["bare"]["calls_per_conn"] - 1) < 0.02:
        text.append(
            f"The part inside mbedtls_ssl_handshake is not ktla's code: mbedTLS's bignum code makes the same "
            f"{ca['bare']['calls_per_conn']:,.0f} calloc and {fr['bare']['calls_per_conn']:,.0f} free calls per "
            f"handshake in both servers, but glibc's allocator spends {ca['ktla']['ir_per_call']:.0f} instructions "
            f"per calloc in ktla-serve's worker thread against {ca['bare']['ir_per_call']:.0f} in the "
            f"single-threaded bare server ({fr['ktla']['ir_per_call']:.0f} against {fr['bare']['ir_per_call']:.0f} "
            "per free).")
    h12 = r12["handshake"]
    text.append(f"Only a resumed TLS 1.2 handshake, which has no public-key operation, shows ktla-serve's own cost "
                f"clearly: {100 * r12['overhead']:+.0f} % ({(r12['ir_per_conn']['ktla'] - r12['ir_per_conn']['bare']) / 1e6:.2f} "
                f"M Ir), of which the hand-off {h12.get('handoff', 0) / 1e6:.3f} M (with the record layer in the "
                "kernel it derives the TLS 1.2 key block again, mbedTLS keeping its own to itself; where the "
                "kernel has no tls module it does so once a second at most) and the access log "
                f"{h12.get('access_log', 0) / 1e6:.3f} M; the rest is ktla-serve's event loop and HTTP, which the "
                "bare server does not have.")
    return " ".join(text) + "\n"


def markdown(results, record_layer):
    md = ["## Where the handshake's CPU goes: ktla-serve against bare mbedTLS (callgrind)\n",
          "Counted by valgrind's callgrind (instructions executed, Ir: the same work gives the same count on a "
          "loaded machine), in millions per connection, averaged over "
          f"{results[0]['connections']} connections; each connection is a handshake and one 1 KiB GET from "
          "Python's ssl client (OpenSSL: X25519 key share, TLS 1.3 suite AES-256-GCM-SHA384, TLS 1.2 "
          "ECDHE-ECDSA-AES128-GCM-SHA256). ktla-serve runs one worker with the record layer in "
          f"{'the kernel' if record_layer == 'kernel' else 'user space'}; the bare server (`bench/bare-server.c`) "
          "is mbedTLS alone with ktla's configuration (suites, groups, ALPN, tickets, PSA's random generator). "
          "Kernel time (system calls, TCP) is not counted here: see the end-to-end CPU figures above.\n",
          "| connection | bare mbedTLS | ktla-serve | ktla-serve over bare | mbedtls_ssl_handshake: bare / in ktla-serve "
          "| ktla_accept |", "|---|---|---|---|---|---|"]
    for r in results:
        ir, hs = r["ir_per_conn"], r["handshake"]
        md.append(f"| {scen_name(r['scenario'])} | {mir(ir['bare'])} | {mir(ir['ktla'])} | "
                  f"**{100 * r['overhead']:+.1f} %** | {mir(hs['bare_mbedtls_ssl_handshake'])} / "
                  f"{mir(hs['ktla_mbedtls_ssl_handshake'])} | {mir(hs['ktla_accept'])} |")
    md.append(findings(results))
    head = "| " + " | ".join(scen_name(r["scenario"]) for r in results) + " |"
    for who, title in (("bare", "the bare server"), ("ktla", "ktla-serve")):
        md.append(f"\nOne connection in {title}, by phase (inclusive, M Ir):\n")
        md.append("| phase " + head + "\n|---" + "|---" * len(results) + "|")
        for i, (phase, _) in enumerate(results[0]["phases"][who]):
            md.append(f"| {phase} | " + " | ".join(mir(r["phases"][who][i][1]) for r in results) + " |")
    md.append("\nWhere the bare server's handshake goes (inclusive, M Ir per connection, and share of the "
              "whole connection); ktla-serve's figure beside it:\n")
    md.append("| where | " + " | ".join(f"{scen_name(r['scenario'])}: bare / ktla-serve" for r in results)
              + " |\n|---" + "|---" * len(results) + "|")
    for i, (what, _) in enumerate(CENTRES):
        cells = []
        for r in results:
            c = r["centres"][i]
            cells.append(f"{mir(c['bare'])} ({100 * c['bare'] / r['ir_per_conn']['bare']:.0f} %) / {mir(c['ktla'])}"
                         if c["bare"] or c["ktla"] else "–")
        md.append(f"| {what} | " + " | ".join(cells) + " |")
    for r in results:
        md.append(f"\nWhat ktla-serve executes beyond the bare server, {scen_name(r['scenario'])} "
                  f"(self cost by function, the largest differences; {100 * r['overhead']:+.1f} % in all):\n")
        md.append("| function [object] | M Ir per connection | share of the bare connection |\n|---|---|---|")
        for t in r["top_extra"][:8]:
            md.append(f"| `{t['function']}` | {t['ir_per_conn'] / 1e6:.3f} | {100 * t['share_of_bare']:+.2f} % |")
    return "\n".join(md) + "\n"


def syscalls_markdown(sysc, n):
    names = sorted(set(sysc["ktla"]) | set(sysc["bare"]), key=lambda k: -(sysc["ktla"].get(k, 0)))
    md = [f"\nSystem calls per TLS 1.3 full connection (strace -c over {n} connections, start-up subtracted), "
          "the kernel-side cost callgrind does not see:\n",
          "| system call | bare mbedTLS | ktla-serve |", "|---|---|---|"]
    for k in names:
        b, kt = sysc["bare"].get(k, 0), sysc["ktla"].get(k, 0)
        if round(b, 2) or round(kt, 2):
            md.append(f"| {k} | {b:.2f} | {kt:.2f} |")
    md.append(f"| **all** | **{sum(sysc['bare'].values()):.2f}** | **{sum(sysc['ktla'].values()):.2f}** |")
    return "\n".join(md) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", required=True)
    p.add_argument("--bare", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--connections", type=int, default=20)
    p.add_argument("--record-layer", default="user")
    p.add_argument("--out")
    a = p.parse_args()
    work = os.path.abspath(a.work)
    os.makedirs(os.path.join(work, "www"), exist_ok=True)
    body = os.path.join(work, "www", "1KiB.bin")
    with open(body, "wb") as f:
        f.write(bytes(i & 0xFF for i in range(1024)))
    cert, key = os.path.abspath(a.cert), os.path.abspath(a.key)
    port_k, port_b = free_port(), free_port()
    serve = os.path.join(os.path.abspath(a.build), "tools/ktla-serve/ktla-serve")
    ktla_cmd = [serve, "--listen", f"127.0.0.1:{port_k}", "--root", os.path.join(work, "www"), "--cert", cert,
                "--key", key, "-t", "1", "--log", os.path.join(work, "access.log")]
    bare_cmd = [os.path.abspath(a.bare), "--listen", f"127.0.0.1:{port_b}", "--cert", cert, "--key", key,
                "--body", body]
    libtool = [os.path.join(os.path.abspath(a.build), "libtool"), "--mode=execute"]
    print("@@PROGRESS 0 3 0 callgrind: ktla-serve", flush=True)
    kd = profile_server("ktla", ktla_cmd, port_k, work, a.connections, os.path.join(work, "ktla.log"),
                        launcher=libtool)
    print("@@PROGRESS 1 3 0 callgrind: bare mbedTLS", flush=True)
    bd = profile_server("bare", bare_cmd, port_b, work, a.connections, os.path.join(work, "bare.log"))
    results = [analyse(s, kd[s], bd[s], a.connections) for s, _, _ in SCENARIOS]
    print("@@PROGRESS 2 3 0 strace: system calls per connection", flush=True)
    n_sys = 10 * a.connections
    sysc = {"ktla": syscall_counts("ktla", ktla_cmd, port_k, work, n_sys, launcher=libtool),
            "bare": syscall_counts("bare", bare_cmd, port_b, work, n_sys)}
    doc = {"results": results, "syscalls": sysc, "dumps": {"ktla": kd, "bare": bd},
           "markdown": markdown(results, a.record_layer) + syscalls_markdown(sysc, n_sys)}
    text = json.dumps(doc, indent=1)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")
    print("@@PROGRESS 3 3 0 done", flush=True)
    print(doc["markdown"])


if __name__ == "__main__":
    main()
