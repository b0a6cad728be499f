-- settle: replace a reservation's tokens by what the request really used, if its slot is still in the window.
-- KEYS[1] window hash
-- ARGV[1] slot (epoch second), ARGV[2] delta (actual - reserved), ARGV[3] windowMs,
-- ARGV[4] freed channel, ARGV[5] freed message
-- Reply: tokens given back (negative when more was taken), 0 when the slot already left the window.
-- The slot never goes below zero. When tokens come back, the freed message is published.
local slot, delta = tonumber(ARGV[1]), tonumber(ARGV[2])
local n = slots(ARGV[3])
local now_sec = clock()
if slot <= now_sec - n or slot > now_sec or delta == 0 then
  return 0
end
local field = 't:' .. ARGV[1]
local cur = tonumber(redis.call('HGET', KEYS[1], field) or '0')
local new = cur + delta
if new < 0 then
  new = 0
end
if new == cur then
  return 0
end
redis.call('HSET', KEYS[1], field, int(new))
touch(KEYS[1], n)
if new < cur then
  redis.call('PUBLISH', ARGV[4], ARGV[5])
end
return cur - new
