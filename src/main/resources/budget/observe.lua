-- observe: the provider reported what is left of its own window; if it has used more than the window holds,
-- record the difference in the current slot (so it ages out with the window).
-- KEYS[1] window hash, KEYS[2] epoch key
-- ARGV[1] remaining tokens, ARGV[2] remaining requests (negative: not reported), ARGV[3] tpm, ARGV[4] rpm,
-- ARGV[5] windowMs
-- Reply {tokensUsed, requestsUsed, nowSec, epoch} after the adjustment (epoch: '' when Redis lost it).
local rem_t, rem_r = tonumber(ARGV[1]), tonumber(ARGV[2])
local tpm, rpm = tonumber(ARGV[3]), tonumber(ARGV[4])
local n = slots(ARGV[5])
local now_sec = clock()
local t_used, r_used = load_window(KEYS[1], now_sec, n, true)
local wrote = false
if rem_t >= 0 then
  local diff = (tpm - rem_t) - t_used
  if diff > 0 then
    redis.call('HINCRBY', KEYS[1], 't:' .. now_sec, int(diff))
    t_used = t_used + diff
    wrote = true
  end
end
if rem_r >= 0 then
  local diff = (rpm - rem_r) - r_used
  if diff > 0 then
    redis.call('HINCRBY', KEYS[1], 'r:' .. now_sec, int(diff))
    r_used = r_used + diff
    wrote = true
  end
end
if wrote then
  touch(KEYS[1], n)
end
return {t_used, r_used, now_sec, current_epoch(KEYS[2])}
