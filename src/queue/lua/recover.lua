-- recover: give back the items of a consumer whose lease expired (it died or stalled). Each item returns to
-- the head of the input list (it is taken next, in its original order) with its attempts counted; an item
-- that reached max_attempts goes to the dead list with the last error instead. With force = 1 the lease is
-- ignored (a node recovering its own instances after a restart). With count = 0 no attempt is counted
-- (a consumer handing back a batch it did not start, on a graceful stop).
--
-- KEYS[1] processing list   KEYS[2] lease key   KEYS[3] input list   KEYS[4] dead list
-- KEYS[5] attempts hash     KEYS[6] stats hash  KEYS[7] consumers set
-- ARGV[1] consumer id       ARGV[2] max attempts   ARGV[3] force (0|1)   ARGV[4] now (ms since epoch)
-- ARGV[5] count attempts (1|0)
-- returns: {recovered, dead}; {-1, 0} when the lease is still alive (nothing moved)

if ARGV[3] ~= '1' and redis.call('EXISTS', KEYS[2]) == 1 then return { -1, 0 } end
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local max_attempts = tonumber(ARGV[2])
local back, dead = {}, 0
for i = #items, 1, -1 do
  local item = items[i]
  local attempts = 0
  if ARGV[5] ~= '0' then attempts = redis.call('HINCRBY', KEYS[5], item, 1) end
  if ARGV[5] ~= '0' and attempts >= max_attempts then
    redis.call('HDEL', KEYS[5], item)
    redis.call('LPUSH', KEYS[4], cjson.encode({ item = item, attempts = attempts, consumer = ARGV[1],
      error = 'lease expired: the consumer died or stalled while holding the item', at = tonumber(ARGV[4]) }))
    dead = dead + 1
  else
    back[#back + 1] = item
  end
end
for i = 1, #back, 1000 do
  redis.call('RPUSH', KEYS[3], unpack(back, i, math.min(i + 999, #back)))
end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[7], ARGV[1])
if #back > 0 then redis.call('HINCRBY', KEYS[6], 'recovered', #back) end
if dead > 0 then redis.call('HINCRBY', KEYS[6], 'dead', dead) end
return { #back, dead }
