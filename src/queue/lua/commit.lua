-- commit: settle the first N items of the processing list in one step. Each outcome is a result (pushed
-- to the output list) or a failure (the item goes to the failed list with its error). Counters are bumped
-- in the same step. Refused, and counted as `refused`, when the lease is gone or not this take's: the items
-- may already have been handed to another consumer, so a late (paused) consumer cannot double-commit.
--
-- KEYS[1] processing list   KEYS[2] lease key   KEYS[3] output list   KEYS[4] stats hash
-- KEYS[5] failed list       KEYS[6] attempts hash
-- ARGV[1] lease token       ARGV[2] consumer id  ARGV[3] now (ms since epoch)
-- ARGV[4] push results here (1), or not (0: the consumer already pushed them to another Redis)
-- ARGV[5..] outcomes, two arguments each: kind ('r' result | 'f' failure), then the result or error text
-- returns: {done, failed} on success; -1 when refused; an error when there are more outcomes than items

if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  redis.call('HINCRBY', KEYS[4], 'refused', 1)
  return -1
end
local n = (#ARGV - 4) / 2
if n == 0 then return { 0, 0 } end
local items = redis.call('LRANGE', KEYS[1], 0, n - 1)
if #items < n then
  return redis.error_reply('ERR commit has ' .. n .. ' outcomes but the processing list holds ' .. #items .. ' items')
end
local results, failures = {}, {}
for i = 1, n do
  local kind, payload = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
  local item = items[i]
  if kind == 'r' then
    results[#results + 1] = payload
  else
    local attempts = tonumber(redis.call('HGET', KEYS[6], item) or '0') + 1
    failures[#failures + 1] = cjson.encode({ item = item, error = payload, attempts = attempts,
      consumer = ARGV[2], at = tonumber(ARGV[3]) })
  end
  redis.call('HDEL', KEYS[6], item)
end
for i = 1, (ARGV[4] == '1' and #results or 0), 1000 do
  redis.call('LPUSH', KEYS[3], unpack(results, i, math.min(i + 999, #results)))
end
for i = 1, #failures, 1000 do
  redis.call('LPUSH', KEYS[5], unpack(failures, i, math.min(i + 999, #failures)))
end
redis.call('LTRIM', KEYS[1], n, -1)
if #results > 0 then redis.call('HINCRBY', KEYS[4], 'done', #results) end
if #failures > 0 then redis.call('HINCRBY', KEYS[4], 'failed', #failures) end
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[2]) end
return { #results, #failures }
