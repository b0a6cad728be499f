-- heartbeat: a replica says it is alive; the reply is how many are (for each replica's 1/N local share).
-- KEYS[1] replicas sorted set (scored by expiry, ms); ARGV[1] replica id, ARGV[2] ttl ms
-- Reply: the number of live replicas, this one included.
local _, now_ms = clock()
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now_ms + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return redis.call('ZCARD', KEYS[1])
