#!/usr/bin/env python3
"""Send one MEMQ/1 request to memqd and print the reply body as JSON.

A scheduler can copy this file: it needs only pyzmq (pip install pyzmq).

    memq_client.py --endpoint tcp://127.0.0.1:5555 estimate '{"model": "resnet50", "batch": 32}'
    memq_client.py health
    memq_client.py --server-key keys/memqd.public.json --client-key keys/me.secret.json stats

Exit code: 0 for 2xx, 1 for 4xx, 2 for 5xx, 3 when no memqd answered (after --tries tries of
--timeout seconds each, reconnecting each time: the "Lazy Pirate" pattern), 4 for bad usage.
"""
import argparse
import json
import os
import sys
import uuid

import zmq

VERSION = b"MEMQ/1"


def load_key(path, field):
    """A Z85 key from a `memq keygen` JSON key file (or a file holding just the key)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read().strip()
    if len(text) == 40:
        return text.encode()
    return json.loads(text)[field].encode()


def request(args, body):
    """Sends the request; returns (status, reply body) or None if nobody answered."""
    context = zmq.Context.instance()
    request_id = uuid.uuid4().hex[:12].encode()
    frames = [VERSION, args.command.encode(), request_id, json.dumps(body).encode()]
    for _ in range(args.tries):
        socket = context.socket(zmq.DEALER)
        socket.setsockopt(zmq.LINGER, 0)
        if args.server_key:
            socket.curve_serverkey = load_key(args.server_key, "public")
            socket.curve_publickey = load_key(args.client_key, "public")
            socket.curve_secretkey = load_key(args.client_key, "secret")
        socket.connect(args.endpoint)
        socket.send_multipart(frames)
        poller = zmq.Poller()
        poller.register(socket, zmq.POLLIN)
        deadline_ms = int(args.timeout * 1000)
        while poller.poll(deadline_ms):
            reply = socket.recv_multipart()
            # Reply frames: ["MEMQ/1", status, request-id, json-body]; skip stale replies.
            if len(reply) == 4 and reply[0] == VERSION and reply[2] == request_id:
                socket.close()
                return int(reply[1]), json.loads(reply[3])
        socket.close()  # Lazy Pirate: a fresh socket for the next try.
    return None


def main():
    parser = argparse.ArgumentParser(description="Send one MEMQ/1 request to memqd and print the reply JSON.")
    parser.add_argument("command", help="estimate, sweep, fit, summary, models, validate, job, cancel, health, stats")
    parser.add_argument("body", nargs="?", default="{}", help="JSON object, e.g. '{\"model\": \"resnet50\", \"batch\": 32}'")
    parser.add_argument("--endpoint", default=os.environ.get("MEMQD_ENDPOINT", "tcp://127.0.0.1:5555"))
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds to wait per try (default 2.0)")
    parser.add_argument("--tries", type=int, default=3, help="tries before giving up (default 3)")
    parser.add_argument("--server-key", help="memqd's public key file (CURVE)")
    parser.add_argument("--client-key", help="this client's secret key file (CURVE)")
    args = parser.parse_args()
    if bool(args.server_key) != bool(args.client_key):
        parser.error("--server-key and --client-key go together")
    try:
        body = json.loads(args.body)
    except json.JSONDecodeError as error:
        print(f"memq_client: the body is not JSON: {error}", file=sys.stderr)
        return 4
    if not isinstance(body, dict):
        print("memq_client: the body must be a JSON object, e.g. {\"model\": \"resnet50\"}", file=sys.stderr)
        return 4
    answer = request(args, body)
    if answer is None:
        print(f"memq_client: no memqd answered at {args.endpoint} after {args.tries} tries of {args.timeout:.1f} s",
              file=sys.stderr)
        return 3
    status, reply = answer
    print(json.dumps(reply, indent=2, sort_keys=True))
    if status < 300:
        return 0
    return 1 if status < 500 else 2


if __name__ == "__main__":
    sys.exit(main())
