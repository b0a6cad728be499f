-- settle: replace a reservation's tokens by what the request really used; idempotent per reservation id.
-- KEYS[1] window hash, KEYS[2] reservation key, KEYS[3] waiting set, KEYS[4] epoch key
-- ARGV[1] tokens really used, ARGV[2] windowMs, ARGV[3] 1 to release (the request was never sent: its request is
-- given back too), ARGV[4] freed channel, ARGV[5] deployment id, ARGV[6] the caller's replica id
-- Reply {tokensFreed, tokensUsed, requestsUsed, nowSec, wakeReplica, roomTokens, epoch} (epoch: '' when Redis lost it)
-- An unknown id (its reserve timed out and may still arrive, or Redis lost it) leaves a tombstone, so a late
-- reserve with that id grants nothing. When tokens come back and some replica has requests waiting, one waiting
-- replica is told how many tokens are free now (on the freed channel, or by wakeReplica when it is the caller
-- itself); nobody waits: no publish.
local actual = tonumber(ARGV[1])
local n = slots(ARGV[2])
local now_sec, now_ms = clock()
local epoch = current_epoch(KEYS[4])
local rec = redis.call('GET', KEYS[2])
if rec == 'x' then
  local t_used, r_used = load_window(KEYS[1], now_sec, n, false)
  return {0, t_used, r_used, now_sec, '', 0, epoch}
end
redis.call('SET', KEYS[2], 'x', 'PX', reservation_ttl(n))
if not rec then
  local t_used, r_used = load_window(KEYS[1], now_sec, n, false)
  return {0, t_used, r_used, now_sec, '', 0, epoch}
end
local slot, reserved, tpm = string.match(rec, '^(%d+) (%d+) (%d+)$')
slot, reserved, tpm = tonumber(slot), tonumber(reserved), tonumber(tpm)
local freed = 0
if slot > now_sec - n and slot <= now_sec then
  local field = 't:' .. slot
  local cur = tonumber(redis.call('HGET', KEYS[1], field) or '0')
  local new = math.max(0, cur + actual - reserved)
  if new ~= cur then
    redis.call('HSET', KEYS[1], field, int(new))
  end
  freed = cur - new
  if ARGV[3] == '1' then
    local rf = 'r:' .. slot
    local r = tonumber(redis.call('HGET', KEYS[1], rf) or '0')
    if r > 0 then
      redis.call('HSET', KEYS[1], rf, int(r - 1))
    end
  end
  touch(KEYS[1], n)
end
local t_used, r_used = load_window(KEYS[1], now_sec, n, false)
local wake = ''
local room = math.max(0, tpm - t_used)
if freed > 0 and room > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now_ms)
  local chosen = redis.call('ZRANDMEMBER', KEYS[3])
  if chosen then
    if chosen == ARGV[6] then
      wake = chosen
    else
      redis.call('PUBLISH', ARGV[4], chosen .. ' ' .. ARGV[5] .. ' ' .. int(room))
    end
  end
end
return {freed, t_used, r_used, now_sec, wake, room, epoch}
