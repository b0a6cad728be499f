-- waiting: a replica starts (ARGV[3] = 1) or stops (0) having requests that wait for this deployment's budget.
-- KEYS[1] waiting sorted set (scored by expiry, ms); ARGV[1] replica id, ARGV[2] ttl ms. Reply: replicas waiting.
local _, now_ms = clock()
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
else
  redis.call('ZREM', KEYS[1], ARGV[1])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
return redis.call('ZCARD', KEYS[1])
