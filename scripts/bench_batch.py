#!/usr/bin/env python3
"""Throughput of N queries sent one by one (sequential requests, one client) against the same N in one `batch`
request, on one memqd. Prints JSON: seconds and queries per second for both, and their ratio.

    bench_batch.py --endpoint tcp://127.0.0.1:5555 --queries 2000
"""
import argparse, json, time, uuid, zmq

p = argparse.ArgumentParser()
p.add_argument("--endpoint", required=True)
p.add_argument("--queries", type=int, default=2000)
a = p.parse_args()
sock = zmq.Context().socket(zmq.DEALER)
sock.connect(a.endpoint)
bodies = [{"model": m, "batch": b, "optimizer": o} for m in ("resnet18", "resnet50", "mobilenet_v2", "vit_b_16")
          for b in (1, 8, 32, 128, 512) for o in ("sgd", "adamw")]
queries = [bodies[i % len(bodies)] for i in range(a.queries)]

def request(command, body):
    sock.send_multipart([b"MEMQ/1", command, uuid.uuid4().hex.encode(), json.dumps(body).encode()])
    reply = sock.recv_multipart()
    assert reply[1] == b"200", reply[1]
    return reply[-1]

for q in bodies: request(b"estimate", q)  # warm: every model analysed, every step recorded
start = time.perf_counter()
for q in queries: request(b"estimate", q)
one_by_one = time.perf_counter() - start
payload = {"queries": [{"command": "estimate", "body": q} for q in queries]}
start = time.perf_counter()
reply = request(b"batch", payload)
batched = time.perf_counter() - start
results = json.loads(reply)["results"]  # checked outside the timing, as the one-by-one replies are not parsed
assert len(results) == a.queries and all(r["status"] == 200 for r in results)
print(json.dumps({"queries": a.queries, "one_by_one_s": one_by_one, "batch_s": batched,
                  "one_by_one_qps": a.queries / one_by_one, "batch_qps": a.queries / batched,
                  "ratio": one_by_one / batched}, indent=1))
