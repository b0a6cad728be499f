-- pause: no replica reserves on this deployment for ARGV[1] ms (a longer pause already set is kept).
-- KEYS[1] pause key; ARGV[1] millis. Reply: the pause now in force, ms.
local ms = tonumber(ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < ms then
  redis.call('SET', KEYS[1], '1', 'PX', int(ms))
  return ms
end
return left
