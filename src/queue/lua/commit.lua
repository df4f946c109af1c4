-- commit: settle the first N items of the processing list in one step. Each item has a payload: its result
-- (pushed to the output list) or, for the positions listed as failures, its error (the item goes to the failed
-- list with the error). Counters are bumped in the same step. Refused, and counted as `refused`, when the lease
-- is gone or not this take's: the items may already have been handed to another consumer, so a late (paused)
-- consumer cannot double-commit.
--
-- KEYS[1] processing list   KEYS[2] lease key   KEYS[3] output list   KEYS[4] stats hash
-- KEYS[5] failed list       KEYS[6] attempts hash
-- ARGV[1] lease token       ARGV[2] consumer id  ARGV[3] now (ms since epoch)
-- ARGV[4] push results here (1), or not (0: the consumer already pushed them to another Redis)
-- ARGV[5] 1-based positions of the failures, comma-separated ("" when every item has a result)
-- ARGV[6..] one payload per settled item, in processing order: the result, or the error text of a failure
-- returns: {done, failed} on success; -1 when refused; an error when there are more payloads than items

if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  redis.call('HINCRBY', KEYS[4], 'refused', 1)
  return -1
end
local n = #ARGV - 5
if n <= 0 then return { 0, 0 } end
local held = redis.call('LLEN', KEYS[1])
if held < n then
  return redis.error_reply('ERR commit has ' .. n .. ' payloads but the processing list holds ' .. held .. ' items')
end
local failed = {}
for pos in string.gmatch(ARGV[5], '%d+') do failed[tonumber(pos)] = true end
local suspects = redis.call('HLEN', KEYS[6]) > 0
-- The items themselves are only needed for failure records and attempts (not in the common case).
local items = (suspects or ARGV[5] ~= '') and redis.call('LRANGE', KEYS[1], 0, n - 1) or nil
local total = n
local results, failures = {}, {}
local pushed = 0
if ARGV[5] == '' then
  -- Every item has a result (the common case): push them straight from ARGV.
  if ARGV[4] == '1' then
    for i = 6, #ARGV, 1000 do
      redis.call('LPUSH', KEYS[3], unpack(ARGV, i, math.min(i + 999, #ARGV)))
    end
  end
  pushed = n
  n = 0
end
for i = 1, n do
  local payload = ARGV[5 + i]
  if failed[i] then
    local attempts = tonumber(redis.call('HGET', KEYS[6], items[i]) or '0') + 1
    failures[#failures + 1] = cjson.encode({ item = items[i], error = payload, attempts = attempts,
      consumer = ARGV[2], at = tonumber(ARGV[3]) })
  else
    results[#results + 1] = payload
  end
end
-- Settled items forget their attempts (skipped when no item has any: the common, fast case).
if suspects then
  for i = 1, total, 1000 do
    redis.call('HDEL', KEYS[6], unpack(items, i, math.min(i + 999, total)))
  end
end
for i = 1, (ARGV[4] == '1' and #results or 0), 1000 do
  redis.call('LPUSH', KEYS[3], unpack(results, i, math.min(i + 999, #results)))
end
for i = 1, #failures, 1000 do
  redis.call('LPUSH', KEYS[5], unpack(failures, i, math.min(i + 999, #failures)))
end
redis.call('LTRIM', KEYS[1], total, -1)
local done = pushed + #results
if done > 0 then redis.call('HINCRBY', KEYS[4], 'done', done) end
if #failures > 0 then redis.call('HINCRBY', KEYS[4], 'failed', #failures) end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[2]) end
return { done, #failures }
