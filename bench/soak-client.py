#!/usr/bin/env python3
"""Steady HTTPS traffic for bench/soak.sh, as a load balancer's clients would send it: each connection
opens with a PROXY v1 header (the edge takes it from the trusted balancer's address, which this client
has), then TLS, then keep-alive HTTP/1.1 GETs at a fixed rate; a connection is replaced after --per
requests, so new TLS sessions keep coming too. Nothing is retried: a request that gets no 200 is a
lost one, counted with why. Prints one JSON line every 10 s and a JSON summary at the end."""
import argparse
import http.client
import json
import socket
import ssl
import sys
import time


def connect(args, context, port):
    raw = socket.create_connection((args.host, args.port), timeout=10)
    raw.sendall(f"PROXY TCP4 {args.client} {args.host} {port} {args.port}\r\n".encode())
    tls = context.wrap_socket(raw, server_hostname=args.name)
    conn = http.client.HTTPConnection(args.host, args.port, timeout=10)
    conn.sock = tls
    return conn


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--client", required=True, help="the client address the PROXY header gives")
    p.add_argument("--name", default="soak.bench.test")
    p.add_argument("--cafile", required=True)
    p.add_argument("--rate", type=float, default=50)
    p.add_argument("--per", type=int, default=100)
    p.add_argument("--seconds", type=float, required=True)
    args = p.parse_args()
    context = ssl.create_default_context(cafile=args.cafile)
    sent = ok = 0
    lost = {}
    conn = None
    used = 0
    port = 40000
    start = time.monotonic()
    next_at = start
    last_report = start
    while time.monotonic() - start < args.seconds:
        now = time.monotonic()
        if now < next_at:
            time.sleep(next_at - now)
        next_at += 1 / args.rate
        sent += 1
        try:
            if conn is None or used >= args.per:
                if conn is not None:
                    conn.close()
                port = 40000 + (port - 39999) % 20000
                conn = connect(args, context, port)
                used = 0
            conn.request("GET", "/1k", headers={"Host": args.name, "User-Agent": "soak"})
            response = conn.getresponse()
            body = response.read()
            used += 1
            if response.status == 200 and len(body) == 1024:
                ok += 1
            else:
                why = f"status {response.status}"
                lost[why] = lost.get(why, 0) + 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            why = type(e).__name__
            lost[why] = lost.get(why, 0) + 1
            if conn is not None:
                conn.close()
            conn = None
        if time.monotonic() - last_report >= 10:
            last_report = time.monotonic()
            print(json.dumps({"t": round(last_report - start), "sent": sent, "ok": ok, "lost": lost}), flush=True)
    print(json.dumps({"summary": True, "seconds": round(time.monotonic() - start), "sent": sent, "ok": ok,
                      "lost": lost}), flush=True)
    return 0 if ok == sent else 1


if __name__ == "__main__":
    sys.exit(main())
