-- retry: move records from the failed or dead list back to the head of the input list as plain items, so they
-- start again with no attempts.
--
-- ARGV[1] the stats field the source counts ('failed' | 'dead')   ARGV[2] max records to move
-- returns: the number of items moved back

local source, input, stats = KEYS[1], KEYS[2], KEYS[3]

--- @include "includes/push-batched.lua"

local records = redis.call('RPOP', source, tonumber(ARGV[2]))
if not records then return 0 end
local items = {}
for i, rec in ipairs(records) do
  local ok, decoded = pcall(cjson.decode, rec)
  items[i] = (ok and type(decoded) == 'table' and decoded.item) or rec
end
push_batched('RPUSH', input, items, 1, #items)
redis.call('HINCRBY', stats, ARGV[1], -#items)
redis.call('HINCRBY', stats, 'retried', #items)
return #items
