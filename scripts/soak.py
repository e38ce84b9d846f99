#!/usr/bin/env python3
"""Soak and load test of a running memqd (scripts/soak.sh starts one; docs/reliability.md).

CLIENTS threads each send REQUESTS requests over loopback, mixed: good estimates/summaries/latency whose
answers are checked against a reference taken first, malformed frames (wrong frame counts, bad version, unknown
commands, invalid JSON, random bytes), and abandoned requests (the socket closed before the reply); before that, a burst of BURST slow sweeps that fills the
fast queue (429 beyond it) and a check that the daemon recovers. Good requests
must be answered exactly once, correctly; every bad one must get an error status (or, for garbage that is not a
request, nothing) and the daemon must keep serving. Prints one JSON line with the counts and memqd's VmRSS before
and after.
"""
import json
import os
import random
import sys
import threading
import time
import uuid

import zmq

VERSION = b"MEMQ/1"
GOOD = [
    ("estimate", {"model": "resnet18", "batch": 8}),
    ("estimate", {"model": "lenet5", "batch": 32, "optimizer": "adam"}),
    ("summary", {"model": "lenet5"}),
    ("latency", {"model": "lenet5", "batch": 4, "gpu": "t4"}),
    ("estimate", {"model": "mobilenet_v2", "batch": 4, "gpu": "a100-40gb", "runtime": "pytorch-cuda"}),
]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def call(ctx, endpoint, frames, timeout_ms=30000):
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(endpoint)
    s.send_multipart(frames)
    reply = s.recv_multipart() if s.poll(timeout_ms) else None
    s.close()
    return reply


def garbage(rng):
    kind = rng.randrange(6)
    rid = uuid.uuid4().hex[:8].encode()
    if kind == 0:
        return [VERSION, b"estimate"]                                   # too few frames
    if kind == 1:
        return [b"MEMQ/9", b"estimate", rid, b"{}"]                      # bad version
    if kind == 2:
        return [VERSION, b"no-such-command", rid, b"{}"]                 # unknown command
    if kind == 3:
        return [VERSION, b"estimate", rid, b'{"model": "resnet18", "batch": ']  # broken JSON
    if kind == 4:
        return [VERSION, b"estimate", rid, json.dumps({"model": "resnet18", "batch": -3}).encode()]
    return [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))) for _ in range(rng.randrange(1, 6))]


def main():
    endpoint, pid = sys.argv[1], int(sys.argv[2])
    clients, requests = int(os.environ.get("CLIENTS", 16)), int(os.environ.get("REQUESTS", 10000))
    ctx = zmq.Context.instance()
    reference = {}
    for cmd, body in GOOD:
        r = call(ctx, endpoint, [VERSION, cmd.encode(), b"ref", json.dumps(body).encode()])
        assert r and r[1] == b"200", (cmd, body, r)
        reference[(cmd, json.dumps(body, sort_keys=True))] = r[3]
    rss_before = rss_kib(pid)
    counts = {"good_ok": 0, "good_wrong": 0, "good_lost": 0, "bad_error": 0, "bad_ok": 0, "garbage_silent": 0,
              "abandoned": 0, "busy_429": 0}
    lock = threading.Lock()

    def client(index):
        rng = random.Random(index)
        s = ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(endpoint)
        local = dict.fromkeys(counts, 0)
        for n in range(requests):
            roll = rng.random()
            if roll < 0.05:
                a = ctx.socket(zmq.DEALER)                               # vanish mid-request
                a.setsockopt(zmq.LINGER, 0)
                a.connect(endpoint)
                a.send_multipart([VERSION, b"estimate", b"gone", b'{"model": "resnet50", "batch": 64}'])
                a.close()
                local["abandoned"] += 1
                continue
            rid = f"{index}-{n}".encode()
            if roll < 0.25:
                frames = garbage(rng)
                s.send_multipart(frames)
                if s.poll(2000):
                    reply = s.recv_multipart()
                    local["bad_ok" if len(reply) == 4 and reply[1] == b"200" else "bad_error"] += 1
                else:
                    local["garbage_silent"] += 1
                continue
            cmd, body = GOOD[rng.randrange(len(GOOD))]
            s.send_multipart([VERSION, cmd.encode(), rid, json.dumps(body).encode()])
            reply = s.recv_multipart() if s.poll(30000) else None
            while reply is not None and reply[2] != rid:                 # a late reply to garbage with no id
                reply = s.recv_multipart() if s.poll(30000) else None
            if reply is None:
                local["good_lost"] += 1
            elif reply[1] == b"429":
                local["busy_429"] += 1
            elif reply[1] == b"200" and reply[3] == reference[(cmd, json.dumps(body, sort_keys=True))]:
                local["good_ok"] += 1
            else:
                local["good_wrong"] += 1
        s.close()
        with lock:
            for k, v in local.items():
                counts[k] += v

    # A full queue: a burst of slow requests (sweeps over 64 batch sizes of resnet50 with a GPU) sent without waiting;
    # those beyond the fast queue's bound must get 429, the rest 200, and a good request afterwards its answer.
    burst = int(os.environ.get("BURST", 200))
    flood = ctx.socket(zmq.DEALER)
    flood.setsockopt(zmq.LINGER, 0)
    flood.connect(endpoint)
    sweep = json.dumps({"model": "resnet50", "batch": "1..64", "gpu": "a100-40gb", "runtime": "pytorch-cuda"}).encode()
    for n in range(burst):
        flood.send_multipart([VERSION, b"sweep", f"flood-{n}".encode(), sweep])
    flood_status = {}
    for _ in range(burst):
        if not flood.poll(120000):
            break
        status = flood.recv_multipart()[1].decode()
        flood_status[status] = flood_status.get(status, 0) + 1
    flood.close()
    cmd, body = GOOD[0]
    recovered = call(ctx, endpoint, [VERSION, cmd.encode(), b"after-flood", json.dumps(body).encode()])
    counts["flood"] = flood_status
    counts["recovered_after_flood"] = bool(recovered and recovered[1] == b"200"
                                           and recovered[3] == reference[(cmd, json.dumps(body, sort_keys=True))])

    start = time.time()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - start
    time.sleep(1)
    health = call(ctx, endpoint, [VERSION, b"health", b"h", b"{}"], 5000)
    result = dict(counts, clients=clients, requests_per_client=requests, seconds=round(elapsed, 1),
                  rss_before_kib=rss_before, rss_after_kib=rss_kib(pid),
                  healthy_after=bool(health and health[1] == b"200"))
    print(json.dumps(result))
    ok = (counts["good_wrong"] == 0 and counts["good_lost"] == 0 and counts["bad_ok"] == 0 and result["healthy_after"]
          and counts["recovered_after_flood"] and sum(counts["flood"].values()) == burst)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
