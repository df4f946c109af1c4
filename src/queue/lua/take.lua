-- take: move up to N items from the input list into this consumer's processing list, under a fresh lease.
-- If the processing list still holds items (the consumer died and came back under the same id before
-- its lease expired), those are handed out again first, each counted as a new attempt; an item past
-- max_attempts goes to the dead list instead, so a poison item cannot loop.
--
-- KEYS[1] input list          KEYS[2] processing list (<in>:processing:<consumer>)
-- KEYS[3] lease key           KEYS[4] consumers set     KEYS[5] attempts hash
-- KEYS[6] dead list           KEYS[7] stats hash
-- ARGV[1] max items (1..5000) ARGV[2] lease ms   ARGV[3] lease token (random, per take)
-- ARGV[4] consumer id         ARGV[5] max attempts   ARGV[6] now (ms since epoch)
-- returns: array of items in the order they must be committed (may be empty)

local n = tonumber(ARGV[1])
local max_attempts = tonumber(ARGV[5])
local items = redis.call('LRANGE', KEYS[2], 0, -1)

if #items > 0 then
  local keep = {}
  for _, item in ipairs(items) do
    local attempts = redis.call('HINCRBY', KEYS[5], item, 1)
    if attempts >= max_attempts then
      redis.call('HDEL', KEYS[5], item)
      redis.call('LPUSH', KEYS[6], cjson.encode({ item = item, attempts = attempts, consumer = ARGV[4],
        error = 'consumer restarted while holding the item', at = tonumber(ARGV[6]) }))
      redis.call('HINCRBY', KEYS[7], 'dead', 1)
    else
      keep[#keep + 1] = item
    end
  end
  redis.call('DEL', KEYS[2])
  for i = 1, #keep, 1000 do
    redis.call('RPUSH', KEYS[2], unpack(keep, i, math.min(i + 999, #keep)))
  end
  items = keep
end

if #items == 0 then
  local popped = redis.call('RPOP', KEYS[1], n)
  if not popped then return {} end
  items = popped
  for i = 1, #items, 1000 do
    redis.call('RPUSH', KEYS[2], unpack(items, i, math.min(i + 999, #items)))
  end
end

redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[2])
redis.call('SADD', KEYS[4], ARGV[4])
return items
