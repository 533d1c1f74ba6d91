#!/usr/bin/env python3
"""pyssl benchmarks: the Python side, with the standard library's ssl.

Same command line, workloads and JSON output as bench/c/bench.c; see
bench/README.md. The code is plain, idiomatic use of ssl's public API:
SSLContext, wrap_bio with MemoryBIO, wrap_socket on blocking sockets.
"""
import argparse
import ctypes
import hashlib
import json
import os
import socket
import ssl
import sys
import time

IMPL = "python"
SUITE = "TLS_AES_128_GCM_SHA256"
HOST = "localhost"


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", required=True)
    p.add_argument("--certdir", required=True)
    p.add_argument("--key", default="ec")
    p.add_argument("--role", default="client")
    p.add_argument("--bytes", type=int, default=1 << 30)
    p.add_argument("--chunk", type=int, default=16384)
    p.add_argument("--count", type=int, default=1000)
    p.add_argument("--warmup", type=int, default=-1)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--port", type=int, default=0)
    return p.parse_args()


opt = parse_args()


def warmup_of(default):
    return opt.warmup if opt.warmup >= 0 else default


# ---- measuring ----

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                 "fsmblks", "uordblks", "fordblks", "keepcost")]


_libc = ctypes.CDLL(None)
_libc.mallinfo2.restype = MallInfo2


def heap_bytes():
    mi = _libc.mallinfo2()
    return mi.uordblks + mi.hblkhd


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGESIZE")


def report(unit, value, seconds, n):
    print(json.dumps({"impl": IMPL, "workload": opt.workload, "key": opt.key, "unit": unit,
                      "value": value, "seconds": seconds, "n": n, "cipher": SUITE}), flush=True)


def report_memory(unit, value, rss, heap, n):
    print(json.dumps({"impl": IMPL, "workload": opt.workload, "key": opt.key, "unit": unit,
                      "value": value, "rss": rss, "heap": heap, "n": n,
                      "pythonmalloc": os.environ.get("PYTHONMALLOC", "pymalloc")}), flush=True)


# ---- contexts and memory-BIO connections ----

def make_ctx(server):
    d = os.path.join(opt.certdir, opt.key)
    if server:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(os.path.join(d, "ca.pem"))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


class MemConn:
    __slots__ = ("obj", "incoming", "outgoing")

    def __init__(self, ctx, server, session=None):
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        if server:
            self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_side=True)
        else:
            self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname=HOST,
                                    session=session)


def move(src, dst):
    data = src.read()
    if data:
        dst.write(data)


def step_handshake(obj):
    try:
        obj.do_handshake()
        return True
    except ssl.SSLWantReadError:
        return False


def handshake_pair(c, s):
    cdone = sdone = False
    while not (cdone and sdone):
        if not cdone:
            cdone = step_handshake(c.obj)
        move(c.outgoing, s.incoming)
        if not sdone:
            sdone = step_handshake(s.obj)
        move(s.outgoing, c.incoming)


def drain(obj):
    try:
        obj.read(1)
    except ssl.SSLWantReadError:
        return
    raise RuntimeError("unexpected data")


def check_cipher(obj):
    name, version, _ = obj.cipher()
    if name != SUITE or version != "TLSv1.3":
        raise RuntimeError("unexpected cipher %s %s" % (name, version))


def connected_pair(cctx, sctx):
    c, s = MemConn(cctx, False), MemConn(sctx, True)
    handshake_pair(c, s)
    drain(c.obj)
    check_cipher(c.obj)
    return c, s


# ---- memory-BIO workloads ----

def bulk_mem():
    cctx, sctx = make_ctx(False), make_ctx(True)
    c, s = connected_pair(cctx, sctx)
    chunk = opt.chunk
    payload = b"x" * chunk
    chunks = opt.bytes // chunk
    warm = warmup_of(chunks // 16 + 1)
    client, server, c_out, s_in = c.obj, s.obj, c.outgoing, s.incoming
    t0 = 0.0
    for i in range(-warm, chunks):
        if i == 0:
            t0 = time.perf_counter()
        client.write(payload)
        s_in.write(c_out.read())
        got = 0
        while got < chunk:
            got += len(server.read(chunk))
    dt = time.perf_counter() - t0
    report("MiB/s", chunks * chunk / dt / 1048576, dt, chunks * chunk)


def bulk_mem_into():
    # bulk_mem through the calls that avoid copies: write() from a
    # bytearray, read(len, buffer) into one (returns the count).
    cctx, sctx = make_ctx(False), make_ctx(True)
    c, s = connected_pair(cctx, sctx)
    chunk = opt.chunk
    payload, buffer = bytearray(b"x" * chunk), bytearray(chunk)
    chunks = opt.bytes // chunk
    warm = warmup_of(chunks // 16 + 1)
    client, server, c_out, s_in = c.obj, s.obj, c.outgoing, s.incoming
    t0 = 0.0
    for i in range(-warm, chunks):
        if i == 0:
            t0 = time.perf_counter()
        client.write(payload)
        s_in.write(c_out.read())
        got = 0
        while got < chunk:
            got += server.read(chunk, buffer)
    dt = time.perf_counter() - t0
    report("MiB/s", chunks * chunk / dt / 1048576, dt, chunks * chunk)


def handshakes_mem(resume):
    cctx, sctx = make_ctx(False), make_ctx(True)
    c0, s0 = connected_pair(cctx, sctx)
    session = c0.obj.session if resume else None
    warm = warmup_of(opt.count // 10 + 1)
    t0 = 0.0
    for i in range(-warm, opt.count):
        if i == 0:
            t0 = time.perf_counter()
        c, s = MemConn(cctx, False, session), MemConn(sctx, True)
        handshake_pair(c, s)
        drain(c.obj)
        if resume and (i == -warm or i == opt.count - 1) and not c.obj.session_reused:
            raise RuntimeError("session not reused")
    dt = time.perf_counter() - t0
    report("hs/s", opt.count / dt, dt, opt.count)


def read_exact(obj, n):
    data = obj.read(n)
    while len(data) < n:
        data += obj.read(n - len(data))
    return data


def pingpong_mem():
    cctx, sctx = make_ctx(False), make_ctx(True)
    c, s = connected_pair(cctx, sctx)
    size = opt.size
    msg = b"p" * size
    client, server = c.obj, s.obj
    c_in, c_out, s_in, s_out = c.incoming, c.outgoing, s.incoming, s.outgoing
    warm = warmup_of(opt.count // 10 + 1)
    t0 = 0.0
    for i in range(-warm, opt.count):
        if i == 0:
            t0 = time.perf_counter()
        client.write(msg)
        s_in.write(c_out.read())
        server.write(read_exact(server, size))
        c_in.write(s_out.read())
        read_exact(client, size)
    dt = time.perf_counter() - t0
    report("rt/s", opt.count / dt, dt, opt.count)


def idle_mem(keep_server):
    import gc
    cctx, sctx = make_ctx(False), make_ctx(True)
    kept = []
    warm = warmup_of(20)
    rss0 = heap0 = 0
    for i in range(-warm, opt.count):
        if i == 0:
            gc.collect()
            rss0, heap0 = rss_bytes(), heap_bytes()
        c, s = MemConn(cctx, False), MemConn(sctx, True)
        handshake_pair(c, s)
        drain(c.obj)
        if i >= 0:
            kept.append(s if keep_server else c)
        del c, s
    gc.collect()
    rss, heap = rss_bytes() - rss0, heap_bytes() - heap0
    report_memory("B/conn", heap / opt.count, rss // opt.count, heap // opt.count, opt.count)


def bare():
    sctx, cctx = make_ctx(True), make_ctx(False)
    rss = rss_bytes()
    report_memory("KiB", rss / 1024, rss, heap_bytes(), 1)
    del sctx, cctx


# ---- hashing (hashlib's row): not TLS ----

def sha256_bulk():
    chunk = b"x" * opt.chunk
    chunks = opt.bytes // opt.chunk
    h = hashlib.sha256()
    for _ in range(warmup_of(chunks // 16 + 1)):
        h.update(chunk)
    h = hashlib.sha256()
    update = h.update
    t0 = time.perf_counter()
    for _ in range(chunks):
        update(chunk)
    h.digest()
    dt = time.perf_counter() - t0
    print(json.dumps({"impl": IMPL, "workload": opt.workload, "unit": "MiB/s",
                      "value": chunks * opt.chunk / dt / 1048576, "seconds": dt,
                      "n": chunks * opt.chunk, "digest": "sha256"}), flush=True)


# ---- loopback TCP: blocking sockets, one process per side ----

def tcp_listen():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", opt.port))
    ls.listen(1024)
    print("PORT %d" % ls.getsockname()[1], flush=True)
    return ls


def tcp_accept(ls, ctx):
    conn, _ = ls.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return ctx.wrap_socket(conn, server_side=True)


def tcp_connect(ctx):
    sock = socket.create_connection(("127.0.0.1", opt.port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return ctx.wrap_socket(sock, server_hostname=HOST)


def recv_exact(s, n):
    data = s.recv(n)
    while len(data) < n:
        more = s.recv(n - len(data))
        if not more:
            raise RuntimeError("connection closed")
        data += more
    return data


def bulk_tcp():
    server = opt.role == "server"
    ctx = make_ctx(server)
    chunk = opt.chunk
    chunks = opt.bytes // chunk
    warm = warmup_of(chunks // 16 + 1)
    if server:
        ls = tcp_listen()
        s = tcp_accept(ls, ctx)
        for total in (warm * chunk, chunks * chunk):
            got = 0
            while got < total:
                got += len(s.recv(chunk))
            s.sendall(b"k")
        ls.close()
    else:
        s = tcp_connect(ctx)
        check_cipher(s)
        payload = b"x" * chunk
        for _ in range(warm):
            s.sendall(payload)
        recv_exact(s, 1)
        t0 = time.perf_counter()
        for _ in range(chunks):
            s.sendall(payload)
        recv_exact(s, 1)
        dt = time.perf_counter() - t0
        report("MiB/s", chunks * chunk / dt / 1048576, dt, chunks * chunk)
    s.close()


def pingpong_tcp():
    server = opt.role == "server"
    ctx = make_ctx(server)
    size = opt.size
    warm = warmup_of(opt.count // 10 + 1)
    if server:
        ls = tcp_listen()
        s = tcp_accept(ls, ctx)
        for _ in range(warm + opt.count):
            s.sendall(recv_exact(s, size))
        ls.close()
    else:
        s = tcp_connect(ctx)
        check_cipher(s)
        msg = b"p" * size
        t0 = 0.0
        for i in range(-warm, opt.count):
            if i == 0:
                t0 = time.perf_counter()
            s.sendall(msg)
            recv_exact(s, size)
        dt = time.perf_counter() - t0
        report("rt/s", opt.count / dt, dt, opt.count)
    s.close()


def handshakes_tcp():
    server = opt.role == "server"
    ctx = make_ctx(server)
    warm = warmup_of(opt.count // 10 + 1)
    if server:
        ls = tcp_listen()
        for _ in range(warm + opt.count):
            s = tcp_accept(ls, ctx)
            s.sendall(b"k")
            s.close()
        ls.close()
    else:
        t0 = 0.0
        for i in range(-warm, opt.count):
            if i == 0:
                t0 = time.perf_counter()
            s = tcp_connect(ctx)
            recv_exact(s, 1)
            if i == -warm:
                check_cipher(s)
            s.close()
        dt = time.perf_counter() - t0
        report("hs/s", opt.count / dt, dt, opt.count)


def idle_tcp(measure_server):
    import gc
    server = opt.role == "server"
    measured = server == measure_server
    ctx = make_ctx(server)
    warm = warmup_of(20)
    ls = tcp_listen() if server else None
    kept = []
    rss0 = heap0 = 0
    for i in range(-warm, opt.count):
        if i == 0 and measured:
            gc.collect()
            rss0, heap0 = rss_bytes(), heap_bytes()
        if server:
            s = tcp_accept(ls, ctx)
            s.sendall(b"k")
        else:
            s = tcp_connect(ctx)
            recv_exact(s, 1)
        if measured and i < 0:
            s.close()
        else:
            kept.append(s)
        del s
    if measured:
        gc.collect()
        rss, heap = rss_bytes() - rss0, heap_bytes() - heap0
        report_memory("B/conn", heap / opt.count, rss // opt.count, heap // opt.count, opt.count)
    else:
        kept[-1].recv(1)
    for s in kept:
        s.close()
    if ls:
        ls.close()


WORKLOADS = {
    "bulk-mem": bulk_mem,
    "bulk-mem-into": bulk_mem_into,
    "hs-mem": lambda: handshakes_mem(False),
    "resume-mem": lambda: handshakes_mem(True),
    "pingpong-mem": pingpong_mem,
    "idle-mem-client": lambda: idle_mem(False),
    "idle-mem-server": lambda: idle_mem(True),
    "bare": bare,
    "sha256": sha256_bulk,
    "bulk-tcp": bulk_tcp,
    "pingpong-tcp": pingpong_tcp,
    "hs-tcp": handshakes_tcp,
    "idle-tcp-client": lambda: idle_tcp(False),
    "idle-tcp-server": lambda: idle_tcp(True),
}

if __name__ == "__main__":
    fn = WORKLOADS.get(opt.workload)
    if fn is None:
        sys.exit("bench.py: unknown workload " + opt.workload)
    fn()
