-- probe_claim: one replica at a time sends the probe of a deployment whose breaker is half-open.
-- KEYS[1] probe key; ARGV[1] replica id, ARGV[2] ttl ms (the claim of a replica that died ends by itself).
-- Reply: 1 when ARGV[1] holds the claim (taken now, or already its own), 0 when another replica holds it.
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', int(tonumber(ARGV[2])))
  return 1
end
if holder == ARGV[1] then
  return 1
end
return 0
