-- probe_release: the replica's probe was decided: its claim ends now (closed: ARGV[2] = 0), or when the breakers it
-- re-opened go half-open again (ARGV[2] = the interval, ms), so no replica that has not heard yet probes in between.
-- KEYS[1] probe key; ARGV[1] replica id. Reply: 1 when it held the claim, 0 when it held none.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local keep = tonumber(ARGV[2])
if keep > 0 then
  redis.call('PEXPIRE', KEYS[1], int(keep))
else
  redis.call('DEL', KEYS[1])
end
return 1
