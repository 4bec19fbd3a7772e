#!/usr/bin/env python3
"""hostile.py: raw-socket clients hostile.sh cannot write with curl (issue 16).

  hostile.py body PORT MIB [chunked]   a POST announcing (or chunking) MIB MiB,
      sent while reading; prints "<status> sent=<MiB sent> closed=<0|1>"
  hostile.py headers PORT COUNT SIZE   a GET with COUNT headers of SIZE bytes;
      prints "<status>" or "closed" (connection ended with no answer)
Every read has a 30 s timeout: "timeout" means the server hung.
"""
import socket
import sys
import threading

PATH = "/api/v1/namespaces/default/configmaps"


def status_of(buf):
    line = buf.split(b"\r\n", 1)[0].split()
    return line[1].decode() if len(line) > 1 else "closed"


def body(port, mib, chunked):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    total = mib << 20
    hdr = "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" % PATH
    hdr += "Transfer-Encoding: chunked\r\n" if chunked else "Content-Length: %d\r\n" % total
    piece = b'{"a":"' + b"a" * ((64 << 10) - 6)
    frame = b"%x\r\n" % len(piece) + piece + b"\r\n" if chunked else piece
    state = {"sent": 0, "closed": 0}

    def send():
        try:
            s.sendall((hdr + "\r\n").encode())
            while state["sent"] < total:
                s.sendall(frame)
                state["sent"] += len(piece)
            if chunked:
                s.sendall(b"0\r\n\r\n")
        except OSError:
            state["closed"] = 1

    t = threading.Thread(target=send, daemon=True)
    t.start()
    resp = b""
    try:
        while b"\r\n\r\n" not in resp:
            d = s.recv(65536)
            if not d:
                break
            resp += d
    except socket.timeout:
        print("timeout sent=%d" % (state["sent"] >> 20))
        return 1
    except OSError:
        pass
    t.join(30)
    if t.is_alive():
        # the server answered but neither reads nor closes: a hang
        print("%s sent=%d stuck" % (status_of(resp) if resp else "closed", state["sent"] >> 20))
        return 1
    print("%s sent=%d closed=%d" % (status_of(resp) if resp else "closed",
                                     state["sent"] >> 20, state["closed"]))
    return 0


def headers(port, count, size):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    req += b"".join(b"X-H%d: %s\r\n" % (i, b"v" * size) for i in range(count))
    try:
        s.sendall(req + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        resp = s.recv(65536)
    except ConnectionResetError:
        resp = b""
    except socket.timeout:
        print("timeout")
        return 1
    print(status_of(resp) if resp else "closed")
    return 0


if __name__ == "__main__":
    a = sys.argv
    if len(a) >= 4 and a[1] == "body":
        sys.exit(body(int(a[2]), int(a[3]), len(a) > 4))
    if len(a) == 5 and a[1] == "headers":
        sys.exit(headers(int(a[2]), int(a[3]), int(a[4])))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
