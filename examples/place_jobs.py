#!/usr/bin/env python3
"""A toy scheduler: places three training jobs on a mixed GPU pool, asking memqd's `plan` (docs/schedulers.md)."""
import json, sys, uuid, zmq

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:5555"
pool = {"t4": 1, "l4": 1, "a100-80gb": 1}  # free GPUs by type
jobs = [{"model": "vit_b_16", "batch": 96, "optimizer": "adamw"},
        {"model": "resnet50", "batch": 64, "optimizer": "adamw"},
        {"model": "resnet18", "batch": 32, "optimizer": "sgd"}]
sock = zmq.Context().socket(zmq.DEALER)
sock.connect(endpoint)
for job in jobs:
    sock.send_multipart([b"MEMQ/1", b"plan", uuid.uuid4().hex.encode(), json.dumps(dict(job, gpus=",".join(pool))).encode()])
    rows = json.loads(sock.recv_multipart()[-1])["rows"]
    fits = [r for r in rows if r["fits"] and pool[r["gpu"]] > 0]
    best = min(fits, key=lambda r: r["memory_bytes"]) if fits else None  # the smallest free GPU that fits
    if best: pool[best["gpu"]] -= 1
    print(json.dumps({"model": job["model"], "gpu": best and best["gpu"], "request_mib": best and best["upper_bound_mib"]}))
