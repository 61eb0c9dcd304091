# Run by bench/discovery.sh in node 1's namespace, with /usr/bin/python3 and python3-dnspython:
# starts and stops RUNS containers on node 1's dockerd, each a service of its own, and after each
# `docker run` / `docker stop` returns, asks every node's DNS server (over the overlay) until all
# of them answer the new instance / NXDOMAIN. Prints one line per change, then the percentiles.
import statistics, subprocess, sys, time
import dns.message, dns.query, dns.rcode

docker_sock, runs, domain, nodes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
docker = ["/usr/bin/docker", "-H", "unix://" + docker_sock]
BOUND = 20.0


def answer(server, name):
    query = dns.message.make_query(name, "A")
    try:
        reply = dns.query.udp(query, server, timeout=0.2)
    except Exception:
        return None
    return reply.rcode(), {r.address for rrset in reply.answer for r in rrset}


def until_all(name, done):
    """Seconds from now until every node's answer satisfies done (the worst node's time)."""
    t0 = time.monotonic()
    pending = list(nodes)
    worst = 0.0
    while pending and time.monotonic() - t0 < BOUND:
        for server in list(pending):
            a = answer(server, name)
            if a is not None and done(*a):
                pending.remove(server)
                worst = time.monotonic() - t0
    if pending:
        raise SystemExit(f"{name}: {pending} did not agree within {BOUND} s")
    return worst


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


starts, stops = [], []
for i in range(runs):
    name = f"svc{i}"
    subprocess.run(docker + ["run", "-d", "--init", "--name", name, "--label", "SERVICE_NAME=" + name,
                             "--expose", "80", "local/busybox", "sleep", "3600"], check=True, stdout=subprocess.DEVNULL)
    starts.append(until_all(f"{name}.service.{domain}", lambda rcode, addresses: bool(addresses)))
    subprocess.run(docker + ["stop", "-t", "0", name], check=True, stdout=subprocess.DEVNULL)
    stops.append(until_all(f"{name}.service.{domain}", lambda rcode, addresses: rcode == dns.rcode.NXDOMAIN))
    subprocess.run(docker + ["rm", name], check=True, stdout=subprocess.DEVNULL)
    print(f"  {name}: start {starts[-1] * 1000:6.1f} ms, stop {stops[-1] * 1000:6.1f} ms", file=sys.stderr)

for what, values in (("docker run → every node answers", starts), ("docker stop → every node NXDOMAIN", stops)):
    print(f"{what:36s} p50 {pct(values, 50) * 1000:6.1f} ms  p99 {pct(values, 99) * 1000:6.1f} ms"
          f"  max {max(values) * 1000:6.1f} ms  ({len(values)} changes)")
