# Run by bench/discovery.sh in node 1's namespace, with /usr/bin/python3 and python3-dnspython:
# starts and stops RUNS containers on node 1's dockerd, each a service of its own, and after each
# `docker run` / `docker stop` returns, asks every node's DNS server (over the overlay, one thread
# per node, each asking again as soon as it has an answer) until all of them answer the new
# instance / NXDOMAIN. Prints one line per change, then the percentiles.
import subprocess, sys, threading, time
import dns.message, dns.query, dns.rcode

docker_sock, runs, domain, nodes = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
# With no node to ask, only the changes: what they cost a node is measured from outside.
churn_only = not nodes
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
    """Seconds from now until every node's answer satisfies done: the last node's time, and each node's."""
    t0 = time.monotonic()
    each = {}

    def poll(server):
        while time.monotonic() - t0 < BOUND:
            a = answer(server, name)
            if a is not None and done(*a):
                each[server] = time.monotonic() - t0
                return

    threads = [threading.Thread(target=poll, args=(s,)) for s in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    missing = [s for s in nodes if s not in each]
    if missing:
        raise SystemExit(f"{name}: {missing} did not agree within {BOUND} s")
    return max(each.values()), each


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


if churn_only:
    for i in range(runs):
        name = f"churn{i}"
        subprocess.run(docker + ["run", "-d", "--init", "--name", name, "--label", "SERVICE_NAME=" + name,
                                 "--expose", "80", "local/busybox", "sleep", "3600"], check=True, stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        subprocess.run(docker + ["rm", "-f", name], check=True, stdout=subprocess.DEVNULL)
        time.sleep(0.5)
    sys.exit(0)

# The DNS servers' own first queries are not what is measured: each answers a few hundred first.
for server in nodes:
    for _ in range(300):
        answer(server, f"warm-up.service.{domain}")

# The first change after the nodes started is cold (classes loaded, code interpreted, on the
# publishing node and on every receiver): it is measured and said apart, then RUNS warm ones.
starts, stops = [], []
for i in range(runs + 1):
    name = f"svc{i}"
    subprocess.run(docker + ["run", "-d", "--init", "--name", name, "--label", "SERVICE_NAME=" + name,
                             "--expose", "80", "local/busybox", "sleep", "3600"], check=True, stdout=subprocess.DEVNULL)
    start, each_start = until_all(f"{name}.service.{domain}", lambda rcode, addresses: bool(addresses))
    subprocess.run(docker + ["stop", "-t", "0", name], check=True, stdout=subprocess.DEVNULL)
    stop, each_stop = until_all(f"{name}.service.{domain}", lambda rcode, addresses: rcode == dns.rcode.NXDOMAIN)
    subprocess.run(docker + ["rm", name], check=True, stdout=subprocess.DEVNULL)
    if i == 0:
        print(f"first change after the start (cold):   start {start * 1000:6.1f} ms, stop {stop * 1000:6.1f} ms")
    else:
        starts.append(start)
        stops.append(stop)
    fastest = min(each_start.values())
    print(f"  {name}: start {start * 1000:6.1f} ms (first node {fastest * 1000:5.1f}), stop {stop * 1000:6.1f} ms",
          file=sys.stderr)

for what, values in (("docker run → every node answers", starts), ("docker stop → every node NXDOMAIN", stops)):
    print(f"{what:36s} p50 {pct(values, 50) * 1000:6.1f} ms  p99 {pct(values, 99) * 1000:6.1f} ms"
          f"  max {max(values) * 1000:6.1f} ms  ({len(values)} changes)")
