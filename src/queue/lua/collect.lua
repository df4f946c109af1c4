-- collect: remove the N oldest results (the tail of the output list) once the drainer holding the drain lock has
-- written and flushed them. Producers keep LPUSHing at the head meanwhile, which does not move the tail, so
-- exactly the written items go. Refused when the lock is gone or another drainer's: a drainer that stalled past
-- its lock must not remove results it did not write. `collected` counts only results of counted items (at most
-- pushed - failed - dead in all), so results of items pushed without counters never inflate progress.
--
-- The batch's id (optional) is kept under the drainer's token in the hash `drains`, in the same step: a drainer
-- that died after writing the batch to its file learns on its next start whether Redis let go of it
-- (drain-journal.ts), whatever other drainers removed since.
--
-- ARGV[1] the drainer's lock token   ARGV[2] N (the count just written)   ARGV[3] the batch's id (optional)
-- returns: the output list's length afterwards; -1 when refused (nothing removed)

local output, stats, collector, drains = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

if redis.call('GET', collector) ~= ARGV[1] then return -1 end
local n = tonumber(ARGV[2])
redis.call('LTRIM', output, 0, -(n + 1))
local c = redis.call('HMGET', stats, 'pushed', 'failed', 'dead', 'collected')
local room = (tonumber(c[1]) or 0) - (tonumber(c[2]) or 0) - (tonumber(c[3]) or 0) - (tonumber(c[4]) or 0)
local counted = math.min(n, room)
if counted > 0 then redis.call('HINCRBY', stats, 'collected', counted) end
if ARGV[3] and ARGV[3] ~= '' then redis.call('HSET', drains, ARGV[1], ARGV[3]) end
return redis.call('LLEN', output)
