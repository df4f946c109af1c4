-- collect: remove the N oldest results (the tail of the output list) once the collector has written and
-- flushed them, and count them as collected. Producers keep LPUSHing at the head meanwhile, which does
-- not move the tail, so exactly the written items go.
--
-- KEYS[1] output list   KEYS[2] stats hash
-- ARGV[1] N (the count just written)
-- returns: the output list's length afterwards

local n = tonumber(ARGV[1])
redis.call('LTRIM', KEYS[1], 0, -(n + 1))
redis.call('HINCRBY', KEYS[2], 'collected', n)
return redis.call('LLEN', KEYS[1])
