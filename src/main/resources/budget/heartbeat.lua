-- heartbeat: a replica says it is alive; the reply is how many are (for each replica's 1/N local share), and the
-- epoch of Redis' data (created when missing: a Redis that restarted empty answers a new one).
-- KEYS[1] replicas sorted set (scored by expiry, ms), KEYS[2] the data epoch; ARGV[1] replica id, ARGV[2] ttl ms,
-- ARGV[3] a fresh epoch. Reply {live replicas (this one included), epoch}.
local _, now_ms = clock()
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now_ms + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[3]
  redis.call('SET', KEYS[2], epoch)
end
return {redis.call('ZCARD', KEYS[1]), epoch}
