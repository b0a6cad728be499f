-- reserve: atomically check and take `tokens` of TPM and one request of RPM, once per reservation id.
-- KEYS[1] window hash, KEYS[2] pause key, KEYS[3] epoch key, KEYS[4] reservation key, KEYS[5] restore barrier,
-- KEYS[6] set of replicas that restored
-- ARGV[1] tokens, ARGV[2] tpm, ARGV[3] rpm, ARGV[4] windowMs, ARGV[5] the epoch the caller knows ("" for none),
-- ARGV[6] a fresh epoch to set when the key is missing, ARGV[7] live replicas as the caller last knew them,
-- ARGV[8] how long the restore barrier may hold grants back, ms
-- Reply {code, slot, retryAfterMs, tokensUsed, requestsUsed, pausedForMs, epoch, nowSec}
--   code 0 granted (usage after the grant), 1 denied: tokens, 2 denied: requests, 3 paused, 4 too large,
--   5 the window was lost or restored since the caller last saw it (nothing granted: restore, then ask again),
--   6 this reservation id was already released (a late duplicate: nothing granted),
--   7 the window is being restored: nothing is granted until every replica that knew it has written it back (or the
--     barrier expires)
-- A repeated call with an id already granted returns that grant again, never a second one. A reservation is kept as
-- "<slot> <tokens> <tpm>" under its id.
local tokens, tpm, rpm = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local n = slots(ARGV[4])
local now_sec, now_ms = clock()
local t_used, r_used, t_by, r_by = load_window(KEYS[1], now_sec, n, true)

local epoch = ensure_epoch(KEYS[3], KEYS[5], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
if ARGV[5] ~= '' and epoch ~= ARGV[5] then
  return {5, now_sec, 0, t_used, r_used, 0, epoch, now_sec}
end
local barrier = redis.call('GET', KEYS[5])
if barrier and redis.call('SCARD', KEYS[6]) < tonumber(barrier) then
  return {7, now_sec, 50, t_used, r_used, 0, epoch, now_sec}
end

local prior = redis.call('GET', KEYS[4])
if prior then
  if prior == 'x' then
    return {6, now_sec, 0, t_used, r_used, 0, epoch, now_sec}
  end
  return {0, tonumber(string.match(prior, '^(%d+)')), 0, t_used, r_used, 0, epoch, now_sec}
end

local paused = paused_for(KEYS[2])
if tokens > tpm then
  return {4, now_sec, 0, t_used, r_used, paused, epoch, now_sec}
end
if paused > 0 then
  return {3, now_sec, paused, t_used, r_used, paused, epoch, now_sec}
end
local tokens_fit = t_used + tokens <= tpm
local request_fits = r_used + 1 <= rpm
if not (tokens_fit and request_fits) then
  local wait, code = 0, 1
  if not tokens_fit then
    wait = math.max(wait, wait_to_free(t_by, t_used + tokens - tpm, now_sec, now_ms, n))
  end
  if not request_fits then
    wait = math.max(wait, wait_to_free(r_by, r_used + 1 - rpm, now_sec, now_ms, n))
    if tokens_fit then
      code = 2
    end
  end
  return {code, now_sec, wait, t_used, r_used, 0, epoch, now_sec}
end

redis.call('HINCRBY', KEYS[1], 't:' .. now_sec, int(tokens))
redis.call('HINCRBY', KEYS[1], 'r:' .. now_sec, 1)
touch(KEYS[1], n)
redis.call('SET', KEYS[4], now_sec .. ' ' .. int(tokens) .. ' ' .. int(tpm), 'PX', reservation_ttl(n))
return {0, now_sec, 0, t_used + tokens, r_used + 1, 0, epoch, now_sec}
