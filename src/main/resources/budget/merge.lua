-- merge: a replica brings back what the shared window must include.
-- KEYS[1] window hash, KEYS[2] epoch key
-- ARGV[1] windowMs, ARGV[2] mode: "add" (usage this replica granted on its own while Redis was away) or "max"
-- (negative tokens: reservations written back earlier that settled for less), or "max" (Redis lost the window: restore what this replica knew of it, slot by slot, taking the larger value so nothing is
-- counted twice), ARGV[3] a fresh epoch to set when the key is missing, then triples: second, tokens, requests
-- Reply {tokensUsed, requestsUsed, epoch, nowSec}. Seconds that left the window are ignored.
local n = slots(ARGV[1])
local now_sec = clock()
local add = ARGV[2] == 'add'
local wrote = false
for i = 4, #ARGV, 3 do
  local sec = tonumber(ARGV[i])
  if sec > now_sec - n and sec <= now_sec then
    local t, r = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
    if add then
      if t > 0 then
        redis.call('HINCRBY', KEYS[1], 't:' .. sec, int(t))
      elseif t < 0 then
        local cur = tonumber(redis.call('HGET', KEYS[1], 't:' .. sec) or '0')
        redis.call('HSET', KEYS[1], 't:' .. sec, int(math.max(0, cur + t)))
      end
      if r ~= 0 then redis.call('HINCRBY', KEYS[1], 'r:' .. sec, int(r)) end
    else
      local ct = tonumber(redis.call('HGET', KEYS[1], 't:' .. sec) or '0')
      local cr = tonumber(redis.call('HGET', KEYS[1], 'r:' .. sec) or '0')
      if t > ct then redis.call('HSET', KEYS[1], 't:' .. sec, int(t)) end
      if r > cr then redis.call('HSET', KEYS[1], 'r:' .. sec, int(r)) end
    end
    wrote = true
  end
end
if wrote then
  touch(KEYS[1], n)
end
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[3]
  redis.call('SET', KEYS[2], epoch)
end
local t_used, r_used = load_window(KEYS[1], now_sec, n, false)
return {t_used, r_used, epoch, now_sec}
