-- probe_release: the replica's probe was decided (its breaker opened again or closed): its claim ends.
-- KEYS[1] probe key; ARGV[1] replica id. Reply: 1 when its claim was removed, 0 when it held none.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
