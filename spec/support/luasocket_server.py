# A TLS server for spec/luasocket_spec.lua: each connection's first line
# names a scenario, played with pauses long enough (1 s) that a client's
# 0.2 s timeouts fall between its parts. Prints its port first.
import socket, ssl, sys, threading, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1] + "/leafkey.pem")
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(50)
print(ls.getsockname()[1], flush=True)

def serve(c):
    try:
        t = ctx.wrap_socket(c, server_side=True)
        f = t.makefile("rb")
        cmd = f.readline().strip().decode()
        if cmd == "lines":      # lines, a pause inside one, close_notify
            t.sendall(b"one\r\ntwo\nthr"); time.sleep(1); t.sendall(b"ee\nfour"); time.sleep(0.3)
            t.unwrap(); c.close()
        elif cmd == "eof":      # the TCP connection ends without close_notify
            t.sendall(b"abc"); time.sleep(0.2); c.shutdown(socket.SHUT_RDWR); t.close()
        elif cmd == "n":        # bytes in two parts, then close_notify
            t.sendall(b"12345"); time.sleep(1); t.sendall(b"6789"); time.sleep(0.3); t.unwrap()
        elif cmd == "echo":     # lines back until "quit"
            while True:
                l = f.readline()
                if not l or l == b"quit\n": break
                t.sendall(l)
            t.unwrap()
        elif cmd == "sink":     # nothing for 1.5 s
            time.sleep(1.5); t.close()
    except Exception as e:
        print("server:", repr(e), file=sys.stderr, flush=True)

while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
