-- merge: a replica brings back what the shared window must include.
-- KEYS[1] window hash, KEYS[2] epoch key, KEYS[3] set of replicas that restored, KEYS[4] restore barrier
-- ARGV[1] windowMs, ARGV[2] mode: "add" (usage this replica granted on its own while Redis was away; negative tokens:
-- reservations written back earlier that settled for less) or "max" (Redis lost the window: restore what this
-- replica knew of it, slot by slot, taking the larger value so nothing is counted twice), ARGV[3] a fresh epoch,
-- ARGV[4] the replica's id, ARGV[5] the restore barrier's length (ms), ARGV[6] the epoch the caller knows,
-- ARGV[7] live replicas as the caller knows them, ARGV[8] 1 when this merge completes the caller's part of a restore
-- (it counts towards the barrier then), then triples: second, tokens, requests.
-- Reply {tokensUsed, requestsUsed, epoch, nowSec, mustRestore}. An "add" into a window the caller has not seen
-- (lost since) writes nothing and answers mustRestore = 1: restore first, so the max does not swallow the sum.
-- Seconds that left the window are ignored.
local n = slots(ARGV[1])
local now_sec = clock()
local add = ARGV[2] == 'add'
local epoch = ensure_epoch(KEYS[2], KEYS[4], ARGV[6], ARGV[3], ARGV[7], ARGV[5])
if add and ARGV[6] ~= '' and epoch ~= ARGV[6] then
  local t_used, r_used = load_window(KEYS[1], now_sec, n, false)
  return {t_used, r_used, epoch, now_sec, 1}
end
local wrote = false
for i = 9, #ARGV, 3 do
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
if ARGV[8] == '1' then
  redis.call('SADD', KEYS[3], ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
end
local t_used, r_used = load_window(KEYS[1], now_sec, n, false)
return {t_used, r_used, epoch, now_sec, 0}
