-- peek: read the oldest results (the tail of the output list), oldest first, without removing them: what a
-- drainer writes before collect.lua removes exactly that many. At most N items and about B bytes (never fewer
-- than one item), so a drain of large results holds a bounded amount in memory, in Redis as in the drainer.
--
-- ARGV[1] N (max items)   ARGV[2] B (max bytes)   ARGV[3] 'lines' for {count, the items each followed by '\n' in
--         one string} (the raw format's bytes as they go to the file), else the items as a list
-- returns: {count, text} for 'lines'; otherwise the items, oldest first (an empty list when there are none)

local output = KEYS[1]

local want, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
local items, count, bytes = {}, 0, 0
-- In chunks from the tail, each sized by what fits so far: large results are never copied past the cap.
local chunk = math.min(want, 32)
while count < want do
  local part = redis.call('LRANGE', output, -(count + chunk), -(count + 1))
  local full = false
  for i = #part, 1, -1 do
    local size = #part[i] + 1
    if count > 0 and bytes + size > cap then
      full = true
      break
    end
    count = count + 1
    items[count] = part[i]
    bytes = bytes + size
  end
  if full or #part < chunk then break end
  chunk = math.max(1, math.min(want - count, math.floor((cap - bytes) * count / bytes) + 1))
end
if ARGV[3] == 'lines' then
  items[count + 1] = ''
  return { count, table.concat(items, '\n') }
end
return items
