-- recover: give back the items of a consumer whose lease expired (it died or stalled), each with an attempt
-- counted: to the suspects list, or at max attempts to the dead list with the last error (see give-back.lua).
-- With force = 1 the lease is ignored (a node recovering its own instances after a restart). With count = 0 no
-- attempt is counted and items return as they were taken (a consumer handing back a batch it did not start).
--
-- ARGV[1] consumer id   ARGV[2] max attempts   ARGV[3] force (0|1)   ARGV[4] now (ms since epoch)
-- ARGV[5] count an attempt (1|0)   ARGV[6] the error to record (optional; default: the lease expired)
-- returns: {given back, dead}; {-1, 0} when the lease is still alive (nothing moved)

local processing, lease, input, suspects = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local dead, attempts, stats, consumers = KEYS[5], KEYS[6], KEYS[7], KEYS[8]

--- @include "includes/give-back.lua"

if ARGV[3] ~= '1' and redis.call('EXISTS', lease) == 1 then return { -1, 0 } end
local reason = ARGV[6]
if reason == nil or reason == '' then reason = 'lease expired: the consumer died or stalled while holding the item' end
local back, died = give_back(ARGV[1], ARGV[5] ~= '0', tonumber(ARGV[2]), reason, tonumber(ARGV[4]))
redis.call('DEL', lease)
redis.call('SREM', consumers, ARGV[1])
return { back, died }
