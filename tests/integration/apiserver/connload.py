#!/usr/bin/env python3
"""connload.py: hostile and careless HTTP clients for watchload.sh.

  create HOST PORT NS N SIZE      create configmaps c0..c<N-1> of SIZE bytes
  hold HOST PORT KIND N PATH      open N connections and keep them open
                                  until stdin closes; KIND is
                                    idle      connect, send nothing
                                    slowloris a request line, then one
                                              header byte a second
                                    watch     send GET PATH, never read
                                    watchok   send GET PATH, read the
                                              response headers, then idle
                                  prints "open N" once all are open, then a
                                  line per second "alive K" (connections
                                  not closed by the server).
  seq HOST PORT NS NAME N SIZE    merge-PATCH configmap NAME N times: data.seq
                                  1..N and data.v of SIZE bytes
  slowread HOST PORT PATH MAX CHUNK MS [WAITFILE]
                                  read a watch slowly (CHUNK bytes every MS
                                  milliseconds; nothing at all until
                                  WAITFILE exists, if given), check
                                  that the configmap "seq" values go up by
                                  one with no gap; exits when MAX is seen
                                  ("complete") or the server ends the
                                  stream with an ERROR event ("ended
                                  cleanly"); anything else is a failure.
Bounded in count and time; loopback only.
"""
import http.client
import json
import os
import resource
import selectors
import socket
import sys
import time


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def create(host, port, ns, n, size):
    c = http.client.HTTPConnection(host, port, timeout=30)
    for i in range(n):
        body = json.dumps({"metadata": {"name": "c%d" % i},
                           "data": {"v": "x" * size}})
        c.request("POST", "/api/v1/namespaces/%s/configmaps" % ns, body,
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status != 201:
            sys.exit("create c%d: %d" % (i, r.status))
    print("created %d" % n, flush=True)


def hold(host, port, kind, n, path):
    raise_nofile(n + 256)
    socks = []
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, host)).encode()
    sel = selectors.DefaultSelector()
    for i in range(n):
        s = socket.create_connection((host, port), timeout=30)
        if kind == "watch" or kind == "watchok":
            # A small receive buffer: the server's writes stay queued.
            s.sendall(req)
        elif kind == "slowloris":
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        s.setblocking(False)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ, i)
    if kind == "watchok":
        # Wait (bounded) for every response's headers.
        got = set()
        bufs = {}
        end = time.time() + 120
        while len(got) < n and time.time() < end:
            for key, _ in sel.select(timeout=1):
                i = key.data
                try:
                    d = key.fileobj.recv(65536)
                except OSError:
                    d = b""
                bufs[i] = bufs.get(i, b"") + d
                if b"\r\n\r\n" in bufs[i] or not d:
                    if bufs[i].startswith(b"HTTP/1.1 200"):
                        got.add(i)
                    sel.unregister(key.fileobj)
        print("answered %d" % len(got), flush=True)
        for s in socks:
            try:
                sel.register(s, selectors.EVENT_READ, 0)
            except (KeyError, ValueError):
                pass
    print("open %d" % n, flush=True)
    closed = set()
    os.set_blocking(0, False)
    deadline = time.time() + 600
    tick = time.time()
    while time.time() < deadline:
        try:
            if sys.stdin.buffer.read() == b"":
                break
        except (BlockingIOError, TypeError):
            pass
        if kind in ("idle", "slowloris", "watchok"):
            # Notice server-side closes (EOF) without reading a watch
            # stream's body into our memory for long.
            for key, _ in sel.select(timeout=0.2):
                try:
                    d = key.fileobj.recv(65536)
                except OSError:
                    d = b""
                if not d:
                    closed.add(id(key.fileobj))
                    sel.unregister(key.fileobj)
        else:
            time.sleep(0.2)
        if time.time() - tick >= 1:
            tick = time.time()
            if kind == "slowloris":
                for s in socks:
                    if id(s) not in closed:
                        try:
                            s.send(b"X")
                        except OSError:
                            closed.add(id(s))
            print("alive %d" % (n - len(closed)), flush=True)
    for s in socks:
        s.close()


def seq(host, port, ns, name, n, size):
    c = http.client.HTTPConnection(host, port, timeout=30)
    for i in range(1, n + 1):
        body = json.dumps({"data": {"seq": str(i), "v": "y" * size}})
        c.request("PATCH", "/api/v1/namespaces/%s/configmaps/%s" % (ns, name),
                  body, {"Content-Type": "application/merge-patch+json"})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            sys.exit("patch %d: %d" % (i, r.status))
    print("patched %d" % n, flush=True)


def slowread(host, port, path, maxseq, chunk, ms, waitfile=None):
    s = socket.create_connection((host, port), timeout=60)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, host)).encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            sys.exit("no response")
        buf += d
    head, buf = buf.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 200"):
        sys.exit("status: %r" % head[:40])
    # A stalled client: read nothing until waitfile exists (bounded).
    stall_end = time.time() + 120
    while waitfile and not os.path.exists(waitfile) and time.time() < stall_end:
        time.sleep(0.1)
    last = None
    raw = b""
    data = buf
    eof = False
    end = time.time() + 300
    while time.time() < end:
        # De-chunk: size line, data, CRLF.
        while not eof:
            if b"\r\n" not in data:
                break
            size_s, rest = data.split(b"\r\n", 1)
            size = int(size_s, 16)
            if size == 0:
                eof = True
                break
            if len(rest) < size + 2:
                break
            raw += rest[:size]
            data = rest[size + 2:]
        while b"\n" in raw:
            line, raw = raw.split(b"\n", 1)
            if not line.strip():
                continue
            ev = json.loads(line)
            if ev["type"] == "ERROR":
                print("ended cleanly after seq %s: %s" %
                      (last, ev["object"].get("reason")))
                return
            seq = int(ev["object"]["data"]["seq"])
            if last is not None and seq != last + 1:
                print("gap: %d after %d" % (seq, last))
                sys.exit(1)
            last = seq
            if seq >= maxseq:
                print("complete: %d events in order" % seq)
                return
        if eof:
            print("stream ended without ERROR at seq %s" % last)
            sys.exit(1)
        time.sleep(ms / 1000.0)
        d = s.recv(chunk)
        if not d:
            # No gap before it: the client resumes from its last event.
            print("connection closed without ERROR at seq %s" % last)
            return
        data += d
    sys.exit("timeout at seq %s" % last)


def main():
    a = sys.argv[1:]
    if a[0] == "create":
        create(a[1], int(a[2]), a[3], int(a[4]), int(a[5]))
    elif a[0] == "hold":
        hold(a[1], int(a[2]), a[3], int(a[4]), a[5] if len(a) > 5 else "/")
    elif a[0] == "seq":
        seq(a[1], int(a[2]), a[3], a[4], int(a[5]), int(a[6]))
    elif a[0] == "slowread":
        slowread(a[1], int(a[2]), a[3], int(a[4]), int(a[5]), int(a[6]),
                 a[7] if len(a) > 7 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
