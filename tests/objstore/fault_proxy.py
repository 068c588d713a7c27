#!/usr/bin/env python3
"""An HTTP proxy that injects faults between runnel and an object-store server.

Per request (seeded, so runs repeat): with probability --drop the connection is dropped
(half the time before any answer, half the time in the middle of the response body), with
probability --error-rate the proxy answers 503 without asking the server; otherwise the
request is forwarded unchanged (Host header included, so signatures stay valid) and the
server's answer is relayed. Counts (requests, forwarded, dropped, errors, and bytes_up / bytes_down of the forwarded
bodies) go to --stats (JSON) on every change.

Usage: fault_proxy.py --listen PORT --upstream HOST:PORT [--drop 0.1] [--error-rate 0.1]
                      [--seed 1] [--stats FILE] [--log FILE]
--log appends one line per request received, "METHOD PATH?QUERY", so tests can tell
listings from reads of object bodies.
"""
import argparse, http.client, http.server, json, random, socket, socketserver, threading

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--drop", type=float, default=0.1)
    ap.add_argument("--error-rate", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--stats", default="")
    ap.add_argument("--log", default="")
    a = ap.parse_args()
    host, port = a.upstream.rsplit(":", 1)
    rng = random.Random(a.seed)
    lock = threading.Lock()
    stats = {"requests": 0, "forwarded": 0, "dropped": 0, "errors": 0, "bytes_up": 0, "bytes_down": 0}

    def count(key, n=1):
        with lock:
            stats[key] += n
            if a.stats:
                with open(a.stats + ".tmp", "w") as f:
                    json.dump(stats, f)
                import os
                os.replace(a.stats + ".tmp", a.stats)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle_any(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            with lock:
                roll = rng.random()
                mid = rng.random() < 0.5
            count("requests")
            if a.log:
                with lock, open(a.log, "a") as f:
                    f.write("%s %s\n" % (self.command, self.path))
            if roll < a.drop and not mid:
                count("dropped")
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if roll < a.drop + a.error_rate and roll >= a.drop:
                count("errors")
                msg = b"<?xml version=\"1.0\"?><Error><Code>ServerBusy</Code></Error>"
                self.send_response(503)
                self.send_header("Content-Length", str(len(msg)))
                self.end_headers()
                self.wfile.write(msg)
                return
            up = http.client.HTTPConnection(host, int(port), timeout=120)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            up.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers.items():
                up.putheader(k, v)
            if "content-length" not in {k.lower() for k in headers} and self.command in ("PUT", "POST"):
                up.putheader("Content-Length", str(len(body)))
            up.endheaders(body)
            r = up.getresponse()
            data = r.read()
            up.close()
            self.send_response(r.status, r.reason)
            for k, v in r.getheaders():
                if k.lower() not in HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if roll < a.drop and mid and self.command != "HEAD" and len(data) > 1:
                count("dropped")
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            count("forwarded")
            count("bytes_up", len(body))
            if self.command != "HEAD":
                count("bytes_down", len(data))
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        allow_reuse_address = True

    srv = Server(("127.0.0.1", a.listen), Handler)
    print(f"fault proxy on 127.0.0.1:{a.listen} -> {a.upstream}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
