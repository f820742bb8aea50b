#!/usr/bin/env python3
"""Sends N chat requests, each naming a made-up model id, to a Router front (loopback only), then reports the state
they left: model series in /metrics, entries in /router/models, and journal and snapshot rows in the node's SQLite.
Usage: made_up_ids.py URL SQLITE_FILE [count=5000]
"""
import concurrent.futures, json, sqlite3, sys, urllib.parse, urllib.request

url, db = sys.argv[1].rstrip("/"), sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
assert urllib.parse.urlparse(url).hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"

def send(i):
    body = json.dumps({"model": f"made-up/m{i}", "messages": [{"role": "user", "content": "hi"}]}).encode()
    request = urllib.request.Request(url + "/v1/chat/completions", body, {"Content-Type": "application/json"})
    try:
        return urllib.request.urlopen(request, timeout=60).status
    except urllib.error.HTTPError as e:
        return e.code

with concurrent.futures.ThreadPoolExecutor(16) as pool:
    statuses = list(pool.map(send, range(count)))
print("answers:", {s: statuses.count(s) for s in set(statuses)})
metrics = urllib.request.urlopen(url + "/metrics").read().decode()
print("metric lines naming a made-up id:", sum("made-up" in line for line in metrics.splitlines()))
print("/metrics size: %.1f KB" % (len(metrics) / 1024))
models = json.load(urllib.request.urlopen(url + "/router/models"))
print("/router/models entries:", len(models), "of which made-up:", sum("made-up" in m["model_id"] for m in models))
with sqlite3.connect(db) as connection:
    tables = [t for (t,) in connection.execute("select name from sqlite_master where type = 'table'")]
    for table in tables:
        columns = [c[1] for c in connection.execute(f"pragma table_info({table})")]
        if "persistence_id" in columns:
            made_up = connection.execute(f"select count(*) from {table} where persistence_id like 'model-made-up/%'").fetchone()[0]
            print(f"{table}: rows for made-up ids: {made_up}")
