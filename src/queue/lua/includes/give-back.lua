-- give_back: empties a consumer's processing list, in one of two ways.
--   count = false (a graceful hand-back of items not started): each item returns as it was taken — a plain item
--     to the head of the input list (taken next, in its order), the held suspect to the suspects list with its
--     attempts and last error unchanged.
--   count = true (the delivery failed: the consumer died, stalled or gave up on the batch): each item gets one
--     more attempt and goes to the suspects list with `reason` as its last error — or, at max_attempts, to the
--     dead list with that error.
-- Attempts belong to a delivery, not to an item's text: the held suspect's come from the attempts hash entry of
-- this consumer, every other item of a batch has had none before. Bumps `recovered` and `dead`; returns both.
-- Works on the including script's KEYS locals: processing, input, suspects, dead, attempts, stats.
--- @include "push-batched.lua"

local function give_back(consumer, count, max_attempts, reason, now)
  local items = redis.call('LRANGE', processing, 0, -1)
  local held = redis.call('HGET', attempts, consumer)
  local prior, last_error = 0, nil
  if held then
    local h = cjson.decode(held)
    prior, last_error = h.attempts, h.error
  end
  local back, died, records = 0, 0, {}
  if not count and not held then
    local reversed = {}
    for i = #items, 1, -1 do reversed[#reversed + 1] = items[i] end
    push_batched('RPUSH', input, reversed, 1, #reversed)
    back = #items
  elseif not count then
    for i = #items, 1, -1 do
      redis.call('RPUSH', suspects, cjson.encode({ item = items[i], attempts = prior, error = last_error }))
    end
    back = #items
  else
    local envelopes = {}
    for i = 1, #items do
      local n = prior + 1
      local fields = { item = items[i], attempts = n, error = reason }
      if n >= max_attempts then
        fields.consumer, fields.at = consumer, now
        records[#records + 1] = cjson.encode(fields)
      else
        envelopes[#envelopes + 1] = cjson.encode(fields)
      end
    end
    push_batched('LPUSH', suspects, envelopes, 1, #envelopes)
    push_batched('LPUSH', dead, records, 1, #records)
    back, died = #envelopes, #records
  end
  redis.call('DEL', processing)
  redis.call('HDEL', attempts, consumer)
  if back > 0 then redis.call('HINCRBY', stats, 'recovered', back) end
  if died > 0 then redis.call('HINCRBY', stats, 'dead', died) end
  return back, died
end
