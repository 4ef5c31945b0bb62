#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""bench/tls_client.py: the benchmark's Python client (Python's ssl module, i.e. OpenSSL).

Two jobs that openssl s_time, wrk and curl cannot do:

  idle  HOST PORT PATH N   open N keep-alive connections, each with one full
        [--partial]        handshake and one GET of PATH read in full, print
                           "ready N" and hold them open until stdin closes.
                           The server's memory is read while they are held.
                           --partial: each then sends half of a request head
                           (tests/serve/check-idle-memory: busy, not idle).
  seq   HOST PORT PATH N   N connections one after the other, each a handshake
        [--tls 1.2|1.3]    and one HTTP/1.0 GET read to the end (as s_time -www
        [--resume]         does); --resume offers the previous connection's
        [--prime]          session (ticket), and prints how many were resumed.
                           --prime: one connection first (whose session the
                           next offers), then "primed", then the N connections
                           once a line arrives on stdin.  For the profiling
                           runs, which need an exact count.

Certificates are not verified: the benchmark is about cost, not trust.
"""
import argparse
import resource
import socket
import ssl
import sys
import time


def context(tls):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if tls:
        version = ssl.TLSVersion.TLSv1_3 if tls == "1.3" else ssl.TLSVersion.TLSv1_2
        ctx.minimum_version = ctx.maximum_version = version
    return ctx


def read_response(conn):
    """One HTTP/1.x response with Content-Length, read in full; returns the status."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed before the response head")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed inside the body")
        body += chunk
    return status


def idle(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.n + 64), hard))
    ctx = context(args.tls)
    request = f"GET {args.path} HTTP/1.1\r\nHost: {args.host}\r\n\r\n".encode()
    held = []
    start = time.monotonic()
    for _ in range(args.n):
        raw = socket.create_connection((args.host, args.port), timeout=args.timeout)
        conn = ctx.wrap_socket(raw, server_hostname="localhost")
        conn.sendall(request)
        status = read_response(conn)
        if status != 200:
            sys.exit(f"tls_client: status {status} for {args.path}")
        if args.partial:
            conn.sendall(request[:len(request) // 2])
        held.append(conn)
    print(f"ready {len(held)} {time.monotonic() - start:.2f}", flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    for conn in held:
        conn.close()


def seq(args):
    ctx = context(args.tls)
    request = f"GET {args.path} HTTP/1.0\r\nHost: {args.host}\r\n\r\n".encode()
    session, resumed = None, 0
    for i in range(-1 if args.prime else 0, args.n):
        if i == 0 and args.prime:
            print("primed", flush=True)
            sys.stdin.readline()
            resumed = 0
        raw = socket.create_connection((args.host, args.port), timeout=args.timeout)
        conn = ctx.wrap_socket(raw, server_hostname="localhost", session=session if args.resume else None)
        conn.sendall(request)
        while conn.recv(65536):
            pass
        resumed += conn.session_reused
        session = conn.session
        conn.close()
    print(f"connections {args.n} resumed {resumed}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("job", choices=["idle", "seq"])
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("path")
    p.add_argument("n", type=int)
    p.add_argument("--tls", choices=["1.2", "1.3"])
    p.add_argument("--resume", action="store_true")
    p.add_argument("--prime", action="store_true")
    p.add_argument("--partial", action="store_true")
    p.add_argument("--timeout", type=float, default=60)
    args = p.parse_args()
    idle(args) if args.job == "idle" else seq(args)


if __name__ == "__main__":
    main()
