-- take: give this consumer work under a fresh lease. A suspect (an item that failed a delivery) is served first
-- and alone, so a poison item takes no innocent batch-mates to the dead list with it; otherwise up to N items
-- move from the input list into the processing list. If the processing list still holds items (the consumer died
-- and came back under the same id before its lease expired), they are given back first with an attempt counted,
-- exactly as recover does.
--
-- ARGV[1] max items (1..5000)   ARGV[2] lease ms   ARGV[3] lease token (random, per take)
-- ARGV[4] consumer id           ARGV[5] max attempts   ARGV[6] now (ms since epoch)
-- ARGV[7] (optional) how the items come back: '' (default) as a list; 'lines' as {count, the items each
--         followed by '\n' in one string}, for a line filter's stdin, or still as a list when an item holds a
--         '\n'; 'json' as the text of one JSON array of strings
-- returns: the items in the order they must be committed, framed as ARGV[7] says (an empty list, or '[]' for
--          'json', when there is nothing to do)

local input, suspects, processing, lease = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local consumers, attempts, dead, stats = KEYS[5], KEYS[6], KEYS[7], KEYS[8]

--- @include "includes/push-batched.lua"
--- @include "includes/give-back.lua"

local consumer = ARGV[4]
if redis.call('EXISTS', processing) == 1 then
  give_back(consumer, true, tonumber(ARGV[5]), 'the consumer died while holding the item', tonumber(ARGV[6]))
end

local items
local envelope = redis.call('RPOP', suspects)
if envelope then
  local s = cjson.decode(envelope)
  items = { s.item }
  redis.call('HSET', attempts, consumer, cjson.encode({ attempts = s.attempts, error = s.error }))
else
  items = redis.call('RPOP', input, tonumber(ARGV[1]))
  if not items then
    redis.call('SREM', consumers, consumer)
    if ARGV[7] == 'json' then return '[]' end
    return {}
  end
  redis.call('HDEL', attempts, consumer)
end
push_batched('RPUSH', processing, items, 1, #items)
redis.call('SET', lease, ARGV[3], 'PX', ARGV[2])
redis.call('SADD', consumers, consumer)
if ARGV[7] == 'json' then return cjson.encode(items) end
if ARGV[7] == 'lines' then
  local count = #items
  items[count + 1] = ''
  local text = table.concat(items, '\n')
  local _, newlines = string.gsub(text, '\n', '')
  if newlines == count then return { count, text } end
  items[count + 1] = nil
end
return items
