-- retry: move records from the failed or dead list back to the head of the input list, attempts reset.
--
-- KEYS[1] failed or dead list   KEYS[2] input list   KEYS[3] attempts hash   KEYS[4] stats hash
-- ARGV[1] the stats field the source counts ('failed' | 'dead')   ARGV[2] max records to move
-- returns: the number of items moved back

local records = redis.call('RPOP', KEYS[1], tonumber(ARGV[2]))
if not records then return 0 end
local items = {}
for i, rec in ipairs(records) do
  local ok, decoded = pcall(cjson.decode, rec)
  local item = (ok and type(decoded) == 'table' and decoded.item) or rec
  items[i] = item
  redis.call('HDEL', KEYS[3], item)
end
for i = 1, #items, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(items, i, math.min(i + 999, #items)))
end
redis.call('HINCRBY', KEYS[4], ARGV[1], -#items)
redis.call('HINCRBY', KEYS[4], 'retried', #items)
return #items
