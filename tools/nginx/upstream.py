"""A TLS 1.3 HTTP server on 127.0.0.1 for `make check-nginx`: the upstream
that nginx's Lua handler reaches over a cosocket with pyssl.

usage: python3 upstream.py CERTKEY PORTFILE
Binds a free port and writes it to PORTFILE. Each connection is served in
its own thread (handshake included), so slow requests overlap:
  GET /hello  -> "hello from upstream: <version> alpn=<alpn> sni=<name>"
  GET /slow   -> the same after waiting 1 s
Stops on SIGTERM or after 300 s (a bound, should the check die).
"""
import http.server
import os
import signal
import socketserver
import ssl
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path not in ("/hello", "/slow"):
            self.send_error(404)
            return
        if self.path == "/slow":
            time.sleep(1)
        tls = self.request
        body = "hello from upstream: %s alpn=%s sni=%s\n" % (
            tls.version(), tls.selected_alpn_protocol(), getattr(tls, "sni_name", None))
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def log_message(self, fmt, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, certkey):
        super().__init__(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_cert_chain(certkey)
        ctx.set_alpn_protocols(["http/1.1"])
        ctx.sni_callback = self.remember_sni
        self.tls_context = ctx

    @staticmethod
    def remember_sni(tls, name, _ctx):
        tls.sni_name = name

    def finish_request(self, request, client_address):
        # The handshake in the connection's own thread, not in accept().
        request.settimeout(10)
        try:
            tls = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            request.close()   # e.g. the client rejected our certificate
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
            tls.unwrap()      # a close_notify before the end of the stream
        except (ssl.SSLError, OSError):
            pass
        finally:
            tls.close()


def main():
    certkey, portfile = sys.argv[1], sys.argv[2]
    server = Server(certkey)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Timer(300, lambda: os._exit(1)).start()
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, portfile)
    server.serve_forever()


if __name__ == "__main__":
    main()
