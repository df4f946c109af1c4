-- take: move up to N items from the input list into this consumer's processing list, under a fresh lease.
-- If the processing list still holds items (the consumer died and came back under the same id before its
-- lease expired), they first go back to the head of the input with an attempt counted, exactly as recover
-- does (an item reaching max attempts goes to the dead list). Items that have failed a delivery before
-- ("suspects": they have an attempts entry) are handed out one at a time, so a poison item that kills
-- its consumer takes no innocent batch-mates to the dead list with it.
--
-- KEYS[1] input list          KEYS[2] processing list (<in>:processing:<consumer>)
-- KEYS[3] lease key           KEYS[4] consumers set     KEYS[5] attempts hash
-- KEYS[6] dead list           KEYS[7] stats hash
-- ARGV[1] max items (1..5000) ARGV[2] lease ms   ARGV[3] lease token (random, per take)
-- ARGV[4] consumer id         ARGV[5] max attempts   ARGV[6] now (ms since epoch)
-- returns: array of items in the order they must be committed (empty when there is nothing to do)

local max_attempts = tonumber(ARGV[5])
local left = redis.call('LRANGE', KEYS[2], 0, -1)
if #left > 0 then
  local back, dead = {}, 0
  for i = #left, 1, -1 do
    local item = left[i]
    local attempts = redis.call('HINCRBY', KEYS[5], item, 1)
    if attempts >= max_attempts then
      redis.call('HDEL', KEYS[5], item)
      redis.call('LPUSH', KEYS[6], cjson.encode({ item = item, attempts = attempts, consumer = ARGV[4],
        error = 'the consumer died while holding the item', at = tonumber(ARGV[6]) }))
      dead = dead + 1
    else
      back[#back + 1] = item
    end
  end
  for i = 1, #back, 1000 do
    redis.call('RPUSH', KEYS[1], unpack(back, i, math.min(i + 999, #back)))
  end
  redis.call('DEL', KEYS[2])
  if #back > 0 then redis.call('HINCRBY', KEYS[7], 'recovered', #back) end
  if dead > 0 then redis.call('HINCRBY', KEYS[7], 'dead', dead) end
end

local items = redis.call('RPOP', KEYS[1], tonumber(ARGV[1]))
if not items then
  redis.call('SREM', KEYS[4], ARGV[4])
  return {}
end

if redis.call('HLEN', KEYS[5]) > 0 then
  -- Cut the batch before the first suspect, or deliver a leading suspect alone.
  local cut = #items + 1
  for i = 1, #items do
    if redis.call('HEXISTS', KEYS[5], items[i]) == 1 then
      cut = (i == 1) and 2 or i
      break
    end
  end
  if cut <= #items then
    for i = #items, cut, -1 do redis.call('RPUSH', KEYS[1], items[i]) end
    local kept = {}
    for i = 1, cut - 1 do kept[i] = items[i] end
    items = kept
  end
end

for i = 1, #items, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(items, i, math.min(i + 999, #items)))
end
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[2])
redis.call('SADD', KEYS[4], ARGV[4])
return items
