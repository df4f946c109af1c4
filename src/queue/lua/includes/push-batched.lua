-- push_batched: LPUSH or RPUSH values[from..to] onto a list, at most 1000 values a call (Lua's unpack limit).
local function push_batched(cmd, key, values, from, to)
  for i = from, to, 1000 do
    redis.call(cmd, key, unpack(values, i, math.min(i + 999, to)))
  end
end
