#!/usr/bin/env python3
"""gridcore reliable consumer (Python, redis-py). Edit handle() in task.py, not this file.

Speaks gridcore's reliable queue protocol (the Lua scripts in lua/): takes a batch under a lease, keeps the
lease alive, commits results and failures in one fenced step, and on SIGTERM finishes the item in hand,
commits, hands the rest of the batch back and exits 0. Batches travel as one JSON text each way (json's C
code, not a Redis reply per item), a commit and the next take share one round trip, and the batch adapts
so one takes about half a second of handle(). Configured by the env vars GridNode sets:
INPUT_REDIS_URL, OUTPUT_REDIS_URL, INPUT_QUEUE, OUTPUT_QUEUE, NODE_ID, INSTANCE_ID.
Tuning: GRIDCORE_BATCH (most items per take, 5000), GRIDCORE_LEASE_MS (30000), GRIDCORE_MAX_ATTEMPTS (3),
GRIDCORE_IDLE_EXIT_S (unset: run until stopped).
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import NoReturn

from task import handle

try:
    import redis
except ImportError:  # reported by main(), as one JSON line, before anything else
    redis = None

LUA_DIR = Path(__file__).resolve().parent / "lua"
BATCH_S = 0.5  # about this much of handle() per batch


def fail_fast(message: str) -> NoReturn:
    print(json.dumps({"error": message}), file=sys.stderr, flush=True)
    sys.exit(1)


def warn(message: str, **fields) -> None:
    print(json.dumps({"warning": message, **fields}), file=sys.stderr, flush=True)


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class Config:
    """The consumer's settings, read once from the environment."""

    input_url: str
    output_url: str
    input_queue: str
    output_queue: str
    consumer: str
    batch: int
    lease_ms: int
    max_attempts: int
    idle_exit_s: float | None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        input_url = env.get("INPUT_REDIS_URL") or fail_fast("INPUT_REDIS_URL not set")
        input_queue = env.get("INPUT_QUEUE") or fail_fast("INPUT_QUEUE not set")
        idle = env.get("GRIDCORE_IDLE_EXIT_S")
        return cls(
            input_url=input_url,
            output_url=env.get("OUTPUT_REDIS_URL") or input_url,
            input_queue=input_queue,
            output_queue=env.get("OUTPUT_QUEUE") or f"{input_queue}:output",
            consumer=f"{env.get('NODE_ID', 'local')}:{env.get('INSTANCE_ID', '0')}",
            batch=int(env.get("GRIDCORE_BATCH", "5000")),
            lease_ms=int(env.get("GRIDCORE_LEASE_MS", "30000")),
            max_attempts=int(env.get("GRIDCORE_MAX_ATTEMPTS", "3")),
            idle_exit_s=float(idle) if idle else None,
        )

    @property
    def remote_output(self) -> bool:
        return self.output_url != self.input_url


def encode(payloads: list[str]) -> bytes:
    """One JSON array of the payloads; bytes that came in as surrogate escapes go back out as themselves."""
    return json.dumps(payloads, ensure_ascii=False).encode("utf-8", "surrogateescape")


def decode(reply: bytes) -> list[str]:
    """The items of a JSON take; bytes that are not UTF-8 become surrogate escapes, so nothing is lost."""
    return json.loads(reply.decode("utf-8", "surrogateescape"))


class Queue:
    """The protocol's scripts, bound to this consumer's keys (named as in gridcore's src/queue/keys.ts)."""

    def __init__(self, config: Config, r_in, r_out):
        q, me = config.input_queue, config.consumer
        processing, lease = f"{q}:processing:{me}", f"{q}:lease:{me}"
        consumers, attempts, dead = f"{q}:consumers", f"{q}:attempts", f"{q}:dead"
        suspects, failed, stats = f"{q}:suspects", f"{q}:failed", f"{q}:stats"
        ledger = f"{q}:ledger"
        self.config = config
        self.r_in = r_in
        self.r_out = r_out
        self.lease = lease
        self.take_keys = [q, suspects, processing, lease, consumers, attempts, dead, stats]
        self.commit_keys = [
            processing, lease, config.output_queue, stats, failed, attempts, ledger
        ]
        self.recover_keys = [processing, lease, q, suspects, dead, attempts, stats, consumers]
        self.sha = {}
        self.load()

    def load(self) -> None:
        """Loads the scripts (again after Redis lost them), so calls send only their SHA."""
        for name in ("take", "renew", "commit", "recover"):
            self.sha[name] = self.r_in.script_load((LUA_DIR / f"{name}.lua").read_text())

    def call(self, *calls):
        """Runs (script, keys, args) calls in one round trip, in order; their replies."""
        for _ in range(2):
            pipe = self.r_in.pipeline(transaction=False)
            for name, keys, args in calls:
                pipe.evalsha(self.sha[name], len(keys), *keys, *args)
            try:
                return pipe.execute()
            except redis.exceptions.NoScriptError:  # nothing ran: Redis restarted without them
                self.load()
        raise RuntimeError("the queue scripts cannot be loaded")

    def take_call(self, token: str, batch: int):
        c = self.config
        args = [batch, c.lease_ms, token, c.consumer, c.max_attempts, now_ms(), "json"]
        return "take", self.take_keys, args

    def take(self, token: str, batch: int) -> list[str]:
        return decode(self.call(self.take_call(token, batch))[0])

    def renew(self, token: str) -> bool:
        """Extends the lease; False when another consumer's recovery took the batch."""
        return bool(self.call(("renew", [self.lease], [token, self.config.lease_ms]))[0])

    def commit(self, token: str, payloads: list[str], failed: list[int], take=None):
        """Settles the batch in one fenced step (failed: 1-based positions), and takes the next batch in the
        same round trip when `take` is (token, batch). Returns (committed, the next items or None)."""
        c = self.config
        if c.remote_output:
            bad = set(failed)
            results = [p for i, p in enumerate(payloads, 1) if i not in bad]
            if not self.renew(token):
                return False, self.take(*take) if take else None
            if results:
                self.r_out.lpush(c.output_queue, *results)
        push_here = "0j" if c.remote_output else "1j"
        failed_at = ",".join(map(str, failed))
        args = [token, c.consumer, now_ms(), push_here, failed_at, encode(payloads)]
        calls = [("commit", self.commit_keys, args)]
        if take:
            calls.append(self.take_call(*take))
        replies = self.call(*calls)
        return replies[0] != -1, decode(replies[1]) if take else None

    def give_back(self) -> None:
        """Hands the unsettled rest of a batch back as it was taken, without counting an attempt."""
        c = self.config
        self.call(("recover", self.recover_keys, [c.consumer, c.max_attempts, 1, now_ms(), 0]))


class Stop:
    """Set by SIGTERM or SIGINT: the item in hand is finished, the batch committed, the rest handed back."""

    def __init__(self):
        self.requested = False
        signal.signal(signal.SIGTERM, self._set)
        signal.signal(signal.SIGINT, self._set)

    def _set(self, _signum, _frame):
        self.requested = True


def connect(config: Config):
    """Both connections, checked with PING, or a JSON error line and exit 1."""
    try:
        r_in = redis.from_url(config.input_url, socket_connect_timeout=5)
        r_in.ping()
        r_out = r_in
        if config.remote_output:
            r_out = redis.from_url(config.output_url, socket_connect_timeout=5)
            r_out.ping()
    except redis.RedisError as err:
        fail_fast(f"Redis connection failed: {type(err).__name__}")
    return r_in, r_out


def run_batch(queue: Queue, items: list[str], token: str, stop: Stop) -> tuple[list[str], list[int], bool]:
    """Runs handle() over a batch, renewing the lease as it goes; (payloads, failed positions, lease lost)."""
    payloads: list[str] = []
    failed: list[int] = []
    append = payloads.append
    renew_at = monotonic() + queue.config.lease_ms / 3000
    for item in items:
        if stop.requested:
            break
        try:
            append(str(handle(item)))
        except Exception as err:  # the item fails, the consumer goes on
            append(f"{type(err).__name__}: {err}")
            failed.append(len(payloads))
        if monotonic() > renew_at:
            renew_at = monotonic() + queue.config.lease_ms / 3000
            if not queue.renew(token):
                return payloads, failed, True
    return payloads, failed, False


def main() -> None:
    if redis is None:
        fail_fast(
            "the redis package is missing: pip install -r requirements.txt"
            " (Debian: apt-get install python3-redis)"
        )
    config = Config.from_env(os.environ)
    stop = Stop()
    queue = Queue(config, *connect(config))
    # Start small (slow items should spread over the instances), grow while items are quick.
    batch = min(config.batch, 10)
    idle_since, pause = time.time(), 0.01
    token = secrets.token_hex(12)
    items = queue.take(token, batch)
    while True:
        if not items:
            idle = config.idle_exit_s is not None and time.time() - idle_since >= config.idle_exit_s
            if stop.requested or idle:
                break
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
            token = secrets.token_hex(12)
            items = queue.take(token, batch)
            continue
        idle_since, pause = time.time(), 0.01
        began = monotonic()
        payloads, failed, lost = run_batch(queue, items, token, stop)
        per_item = (monotonic() - began) / max(1, len(payloads))
        batch = max(1, min(config.batch, int(BATCH_S / max(per_item, 1e-7)), batch * 4))
        finished = len(payloads) == len(items) and not lost and not stop.requested
        token, committing = secrets.token_hex(12), token
        # The next take rides with the commit (Redis runs them in this order) when the batch ended normally.
        nxt = (token, batch) if finished else None
        committed = False
        if payloads and not lost:
            committed, items = queue.commit(committing, payloads, failed, nxt)
        if payloads and not committed:
            warn("lease lost: commit refused", items=len(payloads))
        if not finished:
            queue.give_back()
            if stop.requested:
                break
            items = queue.take(token, batch)


if __name__ == "__main__":
    main()
