# SPDX-License-Identifier: Apache-2.0
"""bench/servers.py: the servers scripts/bench compares, as processes it starts, reads and stops.

Every server serves the same directory with the same certificate on 127.0.0.1,
on a port of its own.  What the benchmark reads of a server comes from /proc:
CPU time (user + system, all threads and, for nginx, the master and its
workers) and resident memory.
"""
import os
import shutil
import signal
import socket
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


# Debian installs nginx in /usr/sbin, which is not in a user's PATH.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, log, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode}; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server not listening on port {port} after {timeout:.0f} s; see {log}")


def process_tree(pid):
    """pid and all its descendants (nginx: master and workers)."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return pids


def cpu_times(pids):
    """(user, system) CPU seconds of the processes, all their threads included."""
    user = system = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            user += int(fields[11])  # utime (field 14)
            system += int(fields[12])  # stime (field 15)
        except OSError:
            pass
    return user / CLK_TCK, system / CLK_TCK


def cpu_seconds(pids):
    return sum(cpu_times(pids))


def rss_bytes(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


class Server:
    """One server variant.  key: short id in the JSON; label: what the report calls it."""

    key = label = ""
    env = None  # variables added to the server's environment

    def __init__(self, work):
        self.work = work
        self.proc = None
        self.port = None
        os.makedirs(work, exist_ok=True)

    def command(self):
        raise NotImplementedError

    def start(self):
        log = os.path.join(self.work, "server.log")
        self.port = self.port or free_port()
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(self.command(), stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                         start_new_session=True, env=dict(os.environ, **(self.env or {})))
        wait_listening(self.port, self.proc, log)

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        self.start()

    def pids(self):
        return process_tree(self.proc.pid)

    def cpu(self):
        return cpu_seconds(self.pids())

    def rss(self):
        return rss_bytes(self.pids())


class Nginx(Server):
    """nginx + OpenSSL, configured like ktla-serve: same suites preferred, tickets, no session cache."""

    def __init__(self, work, files, cert, key, workers, ktls, key_name="nginx"):
        super().__init__(work)
        self.key, self.files, self.cert, self.tls_key = key_name, files, cert, key
        self.workers, self.ktls = workers, ktls
        self.label = "nginx (kTLS)" if ktls else "nginx"

    def command(self):
        conf = os.path.join(self.work, "nginx.conf")
        w = self.work
        # Both servers must negotiate the same suite with the same client.  mbedTLS
        # takes the server's order in TLS 1.2 (ktla's: AES-128-GCM first) and the
        # client's in TLS 1.3 (OpenSSL's clients: AES-256-GCM first); nginx takes
        # its own order in both with these lists.
        ktls = "    ssl_conf_command Options KTLS;\n" if self.ktls else ""
        with open(conf, "w") as f:
            f.write(f"""# written by bench/servers.py
worker_processes {self.workers};
worker_rlimit_nofile 8192;
pid {w}/nginx.pid;
error_log {w}/error.log;
daemon off;
events {{ worker_connections 2048; }}
http {{
    access_log {w}/access.log;
    client_body_temp_path {w}/tmp-body;
    proxy_temp_path {w}/tmp-proxy;
    fastcgi_temp_path {w}/tmp-fastcgi;
    uwsgi_temp_path {w}/tmp-uwsgi;
    scgi_temp_path {w}/tmp-scgi;
    types {{ application/octet-stream bin; text/plain txt; }}
    sendfile on;
    keepalive_timeout 600s;
    keepalive_requests 100000000;
    server {{
        listen 127.0.0.1:{self.port} ssl;
        root {self.files};
        ssl_certificate {self.cert};
        ssl_certificate_key {self.tls_key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_prefer_server_ciphers on;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305;
        ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256;
        ssl_session_cache off;
        ssl_session_tickets on;
{ktls}    }}
}}
""")
        return [NGINX, "-p", w, "-c", conf, "-e", os.path.join(w, "error.log")]


class KtlaServe(Server):
    def __init__(self, work, binary, files, cert, key, workers, user_mode=False, key_name="ktla"):
        super().__init__(work)
        self.key, self.binary, self.files, self.cert, self.tls_key = key_name, binary, files, cert, key
        self.workers, self.user_mode = workers, user_mode
        self.label = "ktla-serve --mode user" if user_mode else "ktla-serve"

    def command(self):
        cmd = [self.binary, "--listen", f"127.0.0.1:{self.port}", "--root", self.files, "--cert", self.cert,
               "--key", self.tls_key, "-t", str(self.workers), "--idle-timeout", "0",
               "--log", os.path.join(self.work, "access.log")]
        return cmd + (["--mode", "user"] if self.user_mode else [])


class BareMbedtls(Server):
    """bench/bare-server.c: mbedTLS alone, one connection at a time (handshake figures only)."""

    def __init__(self, work, binary, body, cert, key, key_name="bare", label="bare mbedTLS"):
        super().__init__(work)
        self.key, self.binary, self.body, self.cert, self.tls_key = key_name, binary, body, cert, key
        self.label = label

    def command(self):
        return [self.binary, "--listen", f"127.0.0.1:{self.port}", "--cert", self.cert, "--key", self.tls_key,
                "--body", self.body]
