-- commit: settle the first N items of the processing list in one step. Each item has a payload: its result
-- (pushed to the output list) or, for the positions listed as failures, its error (the item goes to the failed
-- list with the error). Counters are bumped in the same step, and the contribution ledger credits the consumer's
-- node (`<node_id>:done`, `<node_id>:failed`; the node id is the consumer id before its last ":"). Refused, and
-- counted as `refused`, when the lease is gone or not this take's: the items may already have been handed to
-- another consumer, so a late (paused) consumer cannot double-commit.
--
-- ARGV[1] lease token       ARGV[2] consumer id  ARGV[3] now (ms since epoch)
-- ARGV[4] push results here (1), or not (0: the consumer already pushed them to another Redis); followed by 'j'
--         ('1j', '0j') when the payloads come as one JSON array of strings in ARGV[6] instead of one per ARGV;
--         or '0n': every item has a result, already LPUSHed to the output by the consumer in the same MULTI
--         (under WATCH of the lease, so this runs only if the lease is still the one the consumer read), and
--         ARGV[6] is just how many (no payloads; an error, changing nothing, if the output is not a list: that
--         LPUSH failed)
-- ARGV[5] 1-based positions of the failures, comma-separated ("" when every item has a result)
-- ARGV[6..] one payload per settled item, in processing order: the result, or the error text of a failure
-- returns: {done, failed} on success; -1 when refused; an error when there are more payloads than items

local processing, lease, output, stats = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local failed, attempts, ledger = KEYS[5], KEYS[6], KEYS[7]

--- @include "includes/push-batched.lua"

local mode = string.sub(ARGV[4], 2, 2)
-- A counted commit that does not go through takes its results back off the output's head (nothing ran since).
local function undo_push()
  if mode == 'n' and redis.call('TYPE', output).ok == 'list' then redis.call('LPOP', output, tonumber(ARGV[6])) end
end
if redis.call('GET', lease) ~= ARGV[1] then
  undo_push()
  redis.call('HINCRBY', stats, 'refused', 1)
  return -1
end
local payloads, first = ARGV, 6
if mode == 'j' then payloads, first = cjson.decode(ARGV[6]), 1 end
local n = #payloads - first + 1
if mode == 'n' then
  n = tonumber(ARGV[6])
  if ARGV[5] ~= '' or redis.call('TYPE', output).ok ~= 'list' then
    undo_push()
    return redis.error_reply('ERR a counted commit has failures, or its results did not reach the output list')
  end
end
if n <= 0 then return { 0, 0 } end
local held = redis.call('LLEN', processing)
if held < n then
  undo_push()
  return redis.error_reply('ERR commit has ' .. n .. ' payloads but the processing list holds ' .. held .. ' items')
end
local push = string.sub(ARGV[4], 1, 1) == '1'
local done, failures = n, {}
if ARGV[5] == '' then
  -- Every item has a result (the common case): push them straight from the payloads, no per-item work.
  if push then push_batched('LPUSH', output, payloads, first, #payloads) end
else
  local failing = {}
  for pos in string.gmatch(ARGV[5], '%d+') do failing[tonumber(pos)] = true end
  local items = redis.call('LRANGE', processing, 0, n - 1)
  -- The one suspect a consumer holds has had attempts before; any other item is on its first.
  local entry = redis.call('HGET', attempts, ARGV[2])
  local prior = entry and cjson.decode(entry).attempts or 0
  local results = {}
  for i = 1, n do
    local payload = payloads[first - 1 + i]
    if failing[i] then
      failures[#failures + 1] = cjson.encode({ item = items[i], error = payload, attempts = prior + 1,
        consumer = ARGV[2], at = tonumber(ARGV[3]) })
    else
      results[#results + 1] = payload
    end
  end
  if push then push_batched('LPUSH', output, results, 1, #results) end
  push_batched('LPUSH', failed, failures, 1, #failures)
  done = #results
end
redis.call('LTRIM', processing, n, -1)
local node = string.match(ARGV[2], '^(.*):[^:]*$') or ARGV[2]
if done > 0 then
  redis.call('HINCRBY', stats, 'done', done)
  redis.call('HINCRBY', ledger, node .. ':done', done)
end
if #failures > 0 then
  redis.call('HINCRBY', stats, 'failed', #failures)
  redis.call('HINCRBY', ledger, node .. ':failed', #failures)
end
if redis.call('LLEN', processing) == 0 then
  redis.call('DEL', lease)
  redis.call('HDEL', attempts, ARGV[2])
end
return { done, #failures }
