#!/usr/bin/env python3
"""memqd's MDP/0.2 against an independent implementation: majortomo (PyPI, a pure-Python MDP/0.2 broker, client
and worker). Used by the Swift tests (Tests/MemQServerTests/MDPInteropTests.swift); also by hand:

  mdp_interop.py broker tcp://127.0.0.1:5700            # a majortomo broker (heartbeat 0.25 s)
  mdp_interop.py client tcp://127.0.0.1:5700 estimate '{"model": "resnet50"}'
                                                        # a majortomo client: prints the MEMQ/1 reply as JSON
  mdp_interop.py worker tcp://127.0.0.1:5556            # a majortomo worker of service "memq": answers every
                                                        # MEMQ/1 request with {"answered_by": "majortomo", ...}
  mdp_interop.py rfc-client tcp://127.0.0.1:5555 health '{}'
                                                        # a raw RFC 18 client (no empty frame, REQUEST 0x01)

majortomo frames every command with a leading empty frame and numbers the client's commands as the worker's
(REQUEST 0x02, PARTIAL 0x03, FINAL 0x04, no service frame in replies); RFC 18 has neither. memqd's worker
therefore runs with --mdp-framing delimited behind it; memqd's broker reads both framings by itself.
"""
import json
import sys

import zmq

SERVICE = b"memq"


def reply_json(frames):
    if len(frames) != 4 or frames[0] != b"MEMQ/1":
        return {"bad_reply": [f.decode("utf-8", "replace") for f in frames]}
    return {"status": int(frames[1]), "request_id": frames[2].decode(), "body": json.loads(frames[3])}


def broker(url):
    from majortomo.broker import Broker
    b = Broker(bind=url, heartbeat_interval=0.25, heartbeat_timeout=5.0)
    bind = b.bind

    def bind_and_say():  # print the bound endpoint, so a test can bind port 0 ("tcp://127.0.0.1:*")
        bind()
        print("broker", b._socket.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)

    b.bind = bind_and_say
    b.run()


def client(url, command, body, request_id="mt-1"):
    from majortomo.client import Client
    with Client(url) as c:
        c.send(SERVICE, b"MEMQ/1", command.encode(), request_id.encode(), body.encode())
        parts = list(c.recv_all(timeout=30))
    final = parts[-1]
    out = reply_json(final)
    out["partials"] = len(parts) - 1
    print(json.dumps(out))


def worker(url):
    from majortomo.worker import Worker
    w = Worker(url, SERVICE, heartbeat_interval=0.25, heartbeat_timeout=5.0)
    w.connect()
    print("majortomo-worker", url, flush=True)
    while True:
        client_addr, request = w.wait_for_request()
        if len(request) == 4 and request[0] == b"MEMQ/1":
            answer = {"answered_by": "majortomo", "command": request[1].decode(), "body": json.loads(request[3] or b"{}")}
            w.send_reply_final(client_addr, [b"MEMQ/1", b"200", request[2], json.dumps(answer).encode()])
        else:
            w.send_reply_final(client_addr, [b"MEMQ/1", b"400", b"", b'{"error": {"code": "not_memq"}}'])


def rfc_client(url, command, body, request_id="rfc-1"):
    ctx = zmq.Context.instance()
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.connect(url)
    s.send_multipart([b"MDPC02", b"\x01", SERVICE, b"MEMQ/1", command.encode(), request_id.encode(), body.encode()])
    if not s.poll(30000):
        print(json.dumps({"timeout": True}))
        return
    frames = s.recv_multipart()
    out = {"header": frames[0].decode(), "command": frames[1].hex(), "service": frames[2].decode()}
    out.update(reply_json(frames[3:]))
    print(json.dumps(out))


if __name__ == "__main__":
    mode, url = sys.argv[1], sys.argv[2]
    if mode == "broker":
        broker(url)
    elif mode == "client":
        client(url, sys.argv[3], sys.argv[4])
    elif mode == "worker":
        worker(url)
    elif mode == "rfc-client":
        rfc_client(url, sys.argv[3], sys.argv[4])
    else:
        sys.exit("modes: broker, client, worker, rfc-client")
