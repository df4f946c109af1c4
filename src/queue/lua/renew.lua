-- renew: extend, or release, a lock held under a token — only while the token is still the holder's. Used for
-- a consumer's lease (a lease another take replaced is not extended: stop working on the batch) and for the
-- drain lock of `gridcore results` (a drainer that stalled past its lock cannot extend or drop another's).
--
-- ARGV[1] the holder's token   ARGV[2] ms to live from now; 0 releases the lock
-- returns: 1 when extended or released, 0 when the lock is gone or held under another token

local lock = KEYS[1]

if redis.call('GET', lock) ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', lock, ARGV[2])
else
  redis.call('DEL', lock)
end
return 1
