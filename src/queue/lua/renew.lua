-- renew: keep this consumer's lease alive while it works, only if the lease is still its own.
--
-- KEYS[1] lease key
-- ARGV[1] lease token from take     ARGV[2] lease ms
-- returns: 1 when renewed, 0 when the lease is gone or belongs to another take (stop working on the batch)

if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
