#!/bin/sh
# Starts the consumer; fails fast with a JSON error line when the orchestrator gave no Redis URL.
set -e
if [ -z "$INPUT_REDIS_URL" ]; then
  echo '{"error":"INPUT_REDIS_URL not set"}' >&2
  exit 1
fi
exec python3 -u /app/consumer.py
