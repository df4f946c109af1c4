#!/usr/bin/env python3
"""gridcore reliable consumer (Python, redis-py). Edit handle() in task.py, not this file.

Speaks gridcore's reliable queue protocol (the Lua scripts in lua/): takes a batch under a lease, keeps the
lease alive, commits results and failures in one fenced step, and on SIGTERM finishes the item in hand,
commits, hands the rest of the batch back and exits 0. Configured by the env vars GridNode sets:
INPUT_REDIS_URL, OUTPUT_REDIS_URL, INPUT_QUEUE, OUTPUT_QUEUE, NODE_ID, INSTANCE_ID.
Tuning: GRIDCORE_BATCH (100), GRIDCORE_LEASE_MS (30000), GRIDCORE_MAX_ATTEMPTS (3), GRIDCORE_IDLE_EXIT_S (unset: run until stopped).
"""
import json
import os
import secrets
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def fail_fast(message):
    print(json.dumps({"error": message}), file=sys.stderr, flush=True)
    sys.exit(1)


try:
    import redis
except ImportError:
    fail_fast("the redis package is missing: pip install redis (Debian: apt-get install python3-redis)")

sys.path.insert(0, HERE)
from task import handle  # noqa: E402

INPUT_URL = os.environ.get("INPUT_REDIS_URL") or fail_fast("INPUT_REDIS_URL not set")
OUTPUT_URL = os.environ.get("OUTPUT_REDIS_URL") or INPUT_URL
INPUT_QUEUE = os.environ.get("INPUT_QUEUE") or fail_fast("INPUT_QUEUE not set")
OUTPUT_QUEUE = os.environ.get("OUTPUT_QUEUE") or INPUT_QUEUE + ":output"
CONSUMER = "%s:%s" % (os.environ.get("NODE_ID", "local"), os.environ.get("INSTANCE_ID", "0"))
BATCH = int(os.environ.get("GRIDCORE_BATCH", "100"))
LEASE_MS = int(os.environ.get("GRIDCORE_LEASE_MS", "30000"))
MAX_ATTEMPTS = int(os.environ.get("GRIDCORE_MAX_ATTEMPTS", "3"))
IDLE_EXIT_S = float(os.environ["GRIDCORE_IDLE_EXIT_S"]) if os.environ.get("GRIDCORE_IDLE_EXIT_S") else None

# Key names of the protocol (the same as gridcore's src/queue/keys.ts).
K_PROCESSING = "%s:processing:%s" % (INPUT_QUEUE, CONSUMER)
K_LEASE = "%s:lease:%s" % (INPUT_QUEUE, CONSUMER)
K_CONSUMERS = INPUT_QUEUE + ":consumers"
K_ATTEMPTS = INPUT_QUEUE + ":attempts"
K_DEAD = INPUT_QUEUE + ":dead"
K_FAILED = INPUT_QUEUE + ":failed"
K_STATS = INPUT_QUEUE + ":stats"

try:
    r_in = redis.from_url(INPUT_URL, socket_connect_timeout=5, decode_responses=True)
    r_in.ping()
    r_out = r_in if OUTPUT_URL == INPUT_URL else redis.from_url(OUTPUT_URL, socket_connect_timeout=5)
    r_out.ping()
except redis.RedisError as err:
    fail_fast("Redis connection failed: %s" % type(err).__name__)


def script(name):
    with open(os.path.join(HERE, "lua", name + ".lua")) as f:
        return r_in.register_script(f.read())


take, renew, commit, recover = (script(n) for n in ("take", "renew", "commit", "recover"))
stopping = False


def on_term(_signum, _frame):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)


def now_ms():
    return int(time.time() * 1000)


def release():
    """Hands the unsettled rest of a batch back to the head of the input, without counting an attempt."""
    recover(keys=[K_PROCESSING, K_LEASE, INPUT_QUEUE, K_DEAD, K_ATTEMPTS, K_STATS, K_CONSUMERS],
            args=[CONSUMER, MAX_ATTEMPTS, 1, now_ms(), 0])


def main():
    idle_since, pause = time.time(), 0.01
    while not stopping:
        token = secrets.token_hex(12)
        items = take(keys=[INPUT_QUEUE, K_PROCESSING, K_LEASE, K_CONSUMERS, K_ATTEMPTS, K_DEAD, K_STATS],
                     args=[BATCH, LEASE_MS, token, CONSUMER, MAX_ATTEMPTS, now_ms()])
        if not items:
            if IDLE_EXIT_S is not None and time.time() - idle_since >= IDLE_EXIT_S:
                break
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
            continue
        idle_since, pause = time.time(), 0.01
        payloads, failed, renewed, lost = [], [], time.time(), False
        for item in items:
            if stopping:
                break
            try:
                payloads.append(str(handle(item)))
            except Exception as err:  # the item fails, the consumer goes on
                payloads.append("%s: %s" % (type(err).__name__, err))
                failed.append(str(len(payloads)))
            if (time.time() - renewed) * 1000 > LEASE_MS / 3:
                renewed = time.time()
                if not renew(keys=[K_LEASE], args=[token, LEASE_MS]):
                    lost = True
                    break
        settled = len(payloads)
        if settled:
            if OUTPUT_URL != INPUT_URL:
                bad = set(int(p) for p in failed)
                results = [p for i, p in enumerate(payloads) if i + 1 not in bad]
                if not renew(keys=[K_LEASE], args=[token, LEASE_MS]):
                    lost = True
                elif results:
                    r_out.lpush(OUTPUT_QUEUE, *results)
            if not lost:
                res = commit(keys=[K_PROCESSING, K_LEASE, OUTPUT_QUEUE, K_STATS, K_FAILED, K_ATTEMPTS],
                             args=[token, CONSUMER, now_ms(), 1 if OUTPUT_URL == INPUT_URL else 0, ",".join(failed)] + payloads)
                lost = res == -1
            if lost:
                print(json.dumps({"warning": "lease lost: commit refused", "items": settled}), file=sys.stderr, flush=True)
                continue
        if settled < len(items):
            release()


if __name__ == "__main__":
    main()
