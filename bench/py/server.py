# bench/py/server.py — Python's server of the server rows (bench/server.lua):
# non-blocking TLS with selectors, one thread. Accepts, handshakes, then
# answers each request (its headers' end) with a fixed 100-byte HTTP
# response; "Connection: close" closes after the answer. bench/pyssl/server.lua
# is this script line by line in Lua.
#   python3 bench/py/server.py --certdir DIR [--port N]   prints "PORT n", serves until killed
import selectors
import socket
import ssl
import sys

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 61\r\n\r\n" + b"x" * 61


class Client:
    def __init__(self, sock):
        self.sock = sock
        self.handshaken = False
        self.closing = False
        self.buf = b""
        self.pending = b""
        self.events = selectors.EVENT_READ


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    certdir = args["--certdir"] + "/ec/"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certdir + "server.pem", certdir + "server.key")
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(args.get("--port", 0))))
    ls.listen(4096)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)

    def drop(c):
        sel.unregister(c.sock)
        c.sock.close()

    def wait(c, events):
        if c.events != events:
            c.events = events
            sel.modify(c.sock, events, c)

    def serve(c):
        try:
            if not c.handshaken:
                c.sock.do_handshake()
                c.handshaken = True
            while True:
                while c.pending:
                    n = c.sock.send(c.pending)
                    c.pending = c.pending[n:]
                if c.closing:
                    return drop(c)
                end = c.buf.find(b"\r\n\r\n")
                if end >= 0:
                    c.closing = c.buf.find(b"\r\nConnection: close\r\n", 0, end + 2) >= 0
                    c.buf = c.buf[end + 4:]
                    c.pending = RESPONSE
                    continue
                data = c.sock.recv(4096)
                if not data:
                    return drop(c)
                c.buf += data
        except ssl.SSLWantReadError:
            wait(c, selectors.EVENT_READ)
        except ssl.SSLWantWriteError:
            wait(c, selectors.EVENT_WRITE)
        except OSError:
            drop(c)

    def accept():
        while True:
            try:
                conn, _ = ls.accept()
            except BlockingIOError:
                return
            try:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn.setblocking(False)
                c = Client(ctx.wrap_socket(conn, server_side=True, do_handshake_on_connect=False))
            except OSError:   # reset before it could be wrapped
                conn.close()
                continue
            sel.register(c.sock, selectors.EVENT_READ, c)
            serve(c)

    print("PORT %d" % ls.getsockname()[1], flush=True)
    while True:
        for key, events in sel.select():
            if key.data is None:
                accept()
            else:
                serve(key.data)


main()
