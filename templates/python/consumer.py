#!/usr/bin/env python3
"""gridcore reliable consumer (Python, redis-py). Edit handle() in task.py, not this file.

Speaks gridcore's reliable queue protocol (the Lua scripts in lua/): takes a batch under a lease, keeps the
lease alive, commits results and failures in one fenced step, and on SIGTERM finishes the item in hand,
commits, hands the rest of the batch back and exits 0. Configured by the env vars GridNode sets:
INPUT_REDIS_URL, OUTPUT_REDIS_URL, INPUT_QUEUE, OUTPUT_QUEUE, NODE_ID, INSTANCE_ID.
Tuning: GRIDCORE_BATCH (100), GRIDCORE_LEASE_MS (30000), GRIDCORE_MAX_ATTEMPTS (3),
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
from typing import NoReturn

from task import handle

try:
    import redis
except ImportError:  # reported by main(), as one JSON line, before anything else
    redis = None

LUA_DIR = Path(__file__).resolve().parent / "lua"


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
            batch=int(env.get("GRIDCORE_BATCH", "100")),
            lease_ms=int(env.get("GRIDCORE_LEASE_MS", "30000")),
            max_attempts=int(env.get("GRIDCORE_MAX_ATTEMPTS", "3")),
            idle_exit_s=float(idle) if idle else None,
        )

    @property
    def remote_output(self) -> bool:
        return self.output_url != self.input_url


class Queue:
    """The protocol's scripts, bound to this consumer's keys (named as in gridcore's src/queue/keys.ts)."""

    def __init__(self, config: Config, r_in, r_out):
        q, me = config.input_queue, config.consumer
        processing, lease = f"{q}:processing:{me}", f"{q}:lease:{me}"
        consumers, attempts, dead = f"{q}:consumers", f"{q}:attempts", f"{q}:dead"
        suspects, failed, stats = f"{q}:suspects", f"{q}:failed", f"{q}:stats"
        self.config = config
        self.r_out = r_out
        self.lease = lease
        self.take_keys = [q, suspects, processing, lease, consumers, attempts, dead, stats]
        self.commit_keys = [processing, lease, config.output_queue, stats, failed, attempts]
        self.recover_keys = [processing, lease, q, suspects, dead, attempts, stats, consumers]
        self._take, self._renew, self._commit, self._recover = (
            r_in.register_script((LUA_DIR / f"{name}.lua").read_text())
            for name in ("take", "renew", "commit", "recover")
        )

    def take(self, token: str) -> list[str]:
        c = self.config
        args = [c.batch, c.lease_ms, token, c.consumer, c.max_attempts, now_ms()]
        return self._take(keys=self.take_keys, args=args)

    def renew(self, token: str) -> bool:
        """Extends the lease; False when another consumer's recovery took the batch."""
        return bool(self._renew(keys=[self.lease], args=[token, self.config.lease_ms]))

    def commit(self, token: str, payloads: list[str], failed: list[int]) -> bool:
        """Settles the batch in one fenced step (failed: 1-based positions); False when the lease was lost."""
        c = self.config
        if c.remote_output:
            bad = set(failed)
            results = [p for i, p in enumerate(payloads, 1) if i not in bad]
            if not self.renew(token):
                return False
            if results:
                self.r_out.lpush(c.output_queue, *results)
        push_here = 0 if c.remote_output else 1
        failed_at = ",".join(map(str, failed))
        args = [token, c.consumer, now_ms(), push_here, failed_at, *payloads]
        return self._commit(keys=self.commit_keys, args=args) != -1

    def give_back(self) -> None:
        """Hands the unsettled rest of a batch back as it was taken, without counting an attempt."""
        c = self.config
        self._recover(keys=self.recover_keys, args=[c.consumer, c.max_attempts, 1, now_ms(), 0])


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
        r_in = redis.from_url(config.input_url, socket_connect_timeout=5, decode_responses=True)
        r_in.ping()
        r_out = r_in
        if config.remote_output:
            r_out = redis.from_url(config.output_url, socket_connect_timeout=5)
            r_out.ping()
    except redis.RedisError as err:
        fail_fast(f"Redis connection failed: {type(err).__name__}")
    return r_in, r_out


def run_batch(queue: Queue, items: list[str], token: str, stop: Stop) -> None:
    """Runs handle() over a batch, renewing the lease; commits, and gives back the items it did not reach."""
    payloads: list[str] = []
    failed: list[int] = []
    renewed, lost = time.time(), False
    for item in items:
        if stop.requested:
            break
        try:
            payloads.append(str(handle(item)))
        except Exception as err:  # the item fails, the consumer goes on
            payloads.append(f"{type(err).__name__}: {err}")
            failed.append(len(payloads))
        if (time.time() - renewed) * 1000 > queue.config.lease_ms / 3:
            renewed = time.time()
            if not queue.renew(token):
                lost = True
                break
    if payloads:
        if lost or not queue.commit(token, payloads, failed):
            warn("lease lost: commit refused", items=len(payloads))
            return
    if len(payloads) < len(items):
        queue.give_back()


def main() -> None:
    if redis is None:
        fail_fast(
            "the redis package is missing: pip install -r requirements.txt"
            " (Debian: apt-get install python3-redis)"
        )
    config = Config.from_env(os.environ)
    stop = Stop()
    queue = Queue(config, *connect(config))
    idle_since, pause = time.time(), 0.01
    while not stop.requested:
        token = secrets.token_hex(12)
        items = queue.take(token)
        if not items:
            if config.idle_exit_s is not None and time.time() - idle_since >= config.idle_exit_s:
                break
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
            continue
        idle_since, pause = time.time(), 0.01
        run_batch(queue, items, token, stop)


if __name__ == "__main__":
    main()
