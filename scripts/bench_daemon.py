#!/usr/bin/env python3
"""Load generator for scripts/bench-daemon.sh: N concurrent DEALER clients (one process each),
each sending REQUESTS sequential MEMQ/1 requests; prints throughput and p50/p99 latency as JSON.

    bench_daemon.py --endpoint tcp://127.0.0.1:5555 --clients 4 --requests 500 estimate '{"model": "resnet50"}'
"""
import argparse
import json
import multiprocessing
import sys
import time

import zmq


def client(endpoint, command, body, requests, timeout_ms, queue):
    """One client: sequential requests; puts (latencies in seconds, errors) on the queue."""
    context = zmq.Context()
    socket = context.socket(zmq.DEALER)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect(endpoint)
    poller = zmq.Poller()
    poller.register(socket, zmq.POLLIN)
    latencies, errors, statuses = [], 0, {}
    payload = json.dumps(body).encode()
    for index in range(requests):
        request_id = str(index).encode()
        start = time.perf_counter()
        socket.send_multipart([b"MEMQ/1", command.encode(), request_id, payload])
        if not poller.poll(timeout_ms):
            errors += 1
            break
        reply = socket.recv_multipart()
        latencies.append(time.perf_counter() - start)
        status = reply[1].decode(errors="replace") if len(reply) == 4 else "?"
        statuses[status] = statuses.get(status, 0) + 1
    socket.close()
    context.term()
    queue.put((latencies, errors, statuses))


def percentile(values, fraction):
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))
    return ordered[min(len(ordered), rank) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command")
    parser.add_argument("body", nargs="?", default="{}")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--requests", type=int, default=500, help="requests per client")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for one reply")
    args = parser.parse_args()
    body = json.loads(args.body)
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=client, args=(args.endpoint, args.command, body, args.requests,
                                                            int(args.timeout * 1000), queue))
               for _ in range(args.clients)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    elapsed = time.perf_counter() - start
    for worker in workers:
        worker.join()
    latencies = [value for result in results for value in result[0]]
    statuses = {}
    for result in results:
        for status, count in result[2].items():
            statuses[status] = statuses.get(status, 0) + count
    print(json.dumps({
        "clients": args.clients, "requests": len(latencies), "timeouts": sum(r[1] for r in results),
        "seconds": round(elapsed, 3), "throughput_rps": round(len(latencies) / elapsed, 1) if elapsed else 0,
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 3), "p99_ms": round(percentile(latencies, 0.99) * 1000, 3),
        "statuses": statuses,
    }))
    return 0 if all(r[1] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
