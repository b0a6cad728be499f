-- lease: one replica's call about one deployment's shared window: close or correct the leases it holds, restore them
-- after Redis lost the window, and ask for (or grow) the lease it spends from. Idempotent: every amount is absolute
-- and every lease has an id, so a call that is asked again (its answer was slow or lost) changes nothing twice.
-- KEYS[1] window hash, KEYS[2] pause key, KEYS[3] epoch key, KEYS[4] leases hash, KEYS[5] restore barrier,
-- KEYS[6] set of replicas that restored, KEYS[7] demand hash, KEYS[8] waiting set
-- ARGV[1] windowMs, ARGV[2] the epoch the caller knows ('' for none), ARGV[3] a fresh epoch, ARGV[4] live replicas as
-- the caller knows them, ARGV[5] restore barrier ms, ARGV[6] replica id, ARGV[7] freed channel, ARGV[8] deployment id,
-- ARGV[9] tpm, ARGV[10] rpm, ARGV[11] lease seconds, ARGV[12] demand tokens, ARGV[13] demand requests (what the
-- caller would spend in one lease), ARGV[14] '1' when this call restores the caller's leases (it counts towards the
-- barrier), then operations of six arguments each:
--   set     id tokens requests - -      the lease is closed at these totals (what was really spent). Its booking moves
--                                       to the next second if that is sooner than its end: every send from it happened
--                                       before this call, so the window still counts each for a whole window.
--   restore id tokens requests slot open  re-create a lease Redis lost (a restart), at its slot, once
--   want    id tokens requests minTokens minRequests  bring the open lease to at most these totals, and at least the
--                                       minimums (what the caller needs now) or nothing. A new lease is booked at the
--                                       second it ends (now + lease seconds): the window counts it as used from the
--                                       moment it is granted until a whole window after its last possible send.
-- A lease record is "<slot> <tokens> <requests> <open> <replica>". A want is capped by the caller's share of what is
-- left, its demand over every replica's recent demand (Doorman's proportional share), and never below its minimums:
-- when little is left, leases shrink to single requests (the trickle).
-- Reply {code, leaseTokens, leaseRequests, leaseSlot, retryAfterMs, tokensUsed, requestsUsed, pausedForMs, epoch,
--        nowSec, heldTokens, heldRequests, trickle, wake}
--   code 0 done, 1 want denied: tokens, 2 denied: requests, 3 paused, 4 too large, 5 the window was lost since the
--   caller saw it (nothing applied: restore, then ask again), 7 being restored (set and restore applied, want not)
local n = slots(ARGV[1])
local lease_s = tonumber(ARGV[11])
local now_sec, now_ms = clock()
local oldest = now_sec - n + 1
local ttl = (n + lease_s + 2) * 1000

local epoch = ensure_epoch(KEYS[3], KEYS[5], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
if ARGV[2] ~= '' and epoch ~= ARGV[2] then
  return {5, 0, 0, 0, 0, 0, 0, 0, epoch, now_sec, 0, 0, 0, ''}
end
if ARGV[14] == '1' then
  redis.call('SADD', KEYS[6], ARGV[6])
  redis.call('PEXPIRE', KEYS[6], tonumber(ARGV[5]) * 2)
end

local function parse(rec)
  local slot, t, r, open, rep = string.match(rec, '^(%-?%d+) (%d+) (%d+) (%d) (.*)$')
  return tonumber(slot), tonumber(t), tonumber(r), open == '1', rep
end

local function record(id, slot, t, r, open)
  redis.call('HSET', KEYS[4], id, int(slot) .. ' ' .. int(t) .. ' ' .. int(r) .. ' ' .. (open and '1' or '0') .. ' ' .. ARGV[6])
end

local function book(slot, t, r)
  if slot < oldest then
    return
  end
  if t ~= 0 then
    local f = 't:' .. slot
    redis.call('HSET', KEYS[1], f, int(math.max(0, tonumber(redis.call('HGET', KEYS[1], f) or '0') + t)))
  end
  if r ~= 0 then
    local f = 'r:' .. slot
    redis.call('HSET', KEYS[1], f, int(math.max(0, tonumber(redis.call('HGET', KEYS[1], f) or '0') + r)))
  end
end

local freed = 0
local want = nil
for i = 15, #ARGV, 6 do
  local op, id = ARGV[i], ARGV[i + 1]
  local t, r = tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local rec = redis.call('HGET', KEYS[4], id)
  if op == 'set' then
    if rec then
      local slot, ct, cr = parse(rec)
      local to = math.min(slot, now_sec + 1)
      book(slot, -ct, -cr)
      book(to, t, r)
      record(id, to, t, r, false)
      freed = freed + math.max(0, ct - t)
    end
  elseif op == 'restore' then
    local slot = tonumber(ARGV[i + 4])
    if not rec and slot >= oldest then
      book(slot, t, r)
      record(id, slot, t, r, ARGV[i + 5] == '1')
    end
  elseif op == 'want' then
    want = {id = id, t = t, r = r, min_t = tonumber(ARGV[i + 4]), min_r = tonumber(ARGV[i + 5]), rec = rec}
  end
end

-- Every lease, open or not, and the window: prune what left it.
local held_t, held_r = 0, 0
local raw = redis.call('HGETALL', KEYS[4])
for i = 1, #raw, 2 do
  local slot, t, r, open = parse(raw[i + 1])
  if slot == nil or slot < oldest then
    redis.call('HDEL', KEYS[4], raw[i])
  elseif open then
    held_t, held_r = held_t + t, held_r + r
  end
end
local t_used, r_used, t_by, r_by = load_window(KEYS[1], now_sec, n, true)

local code, lease_t, lease_r, lease_slot, retry, trickle = 0, 0, 0, 0, 0, 0
local paused = paused_for(KEYS[2])
if want then
  local tpm, rpm = tonumber(ARGV[9]), tonumber(ARGV[10])
  local slot, cur_t, cur_r, open = now_sec + lease_s, 0, 0, true
  if want.rec then
    slot, cur_t, cur_r, open = parse(want.rec)
  end
  lease_t, lease_r, lease_slot = cur_t, cur_r, slot
  local barrier = redis.call('GET', KEYS[5])
  local need_t, need_r = math.max(0, want.min_t - cur_t), math.max(0, want.min_r - cur_r)
  if barrier and redis.call('SCARD', KEYS[6]) < tonumber(barrier) then
    code, retry = 7, 50
  elseif need_t > tpm then
    code = 4
  elseif paused > 0 then
    code, retry = 3, paused
  elseif not open then
    code = 0 -- closed meanwhile (a repeated call after the close): nothing to grow
  else
    local room_t, room_r = math.max(0, tpm - t_used), math.max(0, rpm - r_used)
    if need_t > room_t or need_r > room_r then
      code = need_t > room_t and 1 or 2
      local upto = now_sec + lease_s
      local function wait_to_free(by, need)
        local got = 0
        for sec = oldest, upto do
          got = got + (by[sec] or 0)
          if got >= need then
            return math.max(1, (sec + n) * 1000 - now_ms)
          end
        end
        return math.max(1, (upto + n) * 1000 - now_ms)
      end
      if need_t > room_t then
        retry = wait_to_free(t_by, need_t - room_t)
      end
      if need_r > room_r then
        retry = math.max(retry, wait_to_free(r_by, need_r - room_r))
      end
    else
      -- Doorman's proportional share: what is left, split by recent demand (this call's included).
      redis.call('HSET', KEYS[7], ARGV[6], int(tonumber(ARGV[12])) .. ' ' .. int(tonumber(ARGV[13])) .. ' ' .. (now_ms + lease_s * 2000))
      redis.call('PEXPIRE', KEYS[7], lease_s * 4000)
      local sum_t, sum_r = 0, 0
      local demand = redis.call('HGETALL', KEYS[7])
      for i = 1, #demand, 2 do
        local dt, dr, until_ms = string.match(demand[i + 1], '^(%d+) (%d+) (%d+)$')
        if until_ms == nil or tonumber(until_ms) < now_ms then
          redis.call('HDEL', KEYS[7], demand[i])
        else
          sum_t, sum_r = sum_t + tonumber(dt), sum_r + tonumber(dr)
        end
      end
      local fair_t = sum_t > 0 and math.floor(room_t * tonumber(ARGV[12]) / sum_t) or room_t
      local fair_r = sum_r > 0 and math.floor(room_r * tonumber(ARGV[13]) / sum_r) or room_r
      local ask_t, ask_r = math.max(0, want.t - cur_t), math.max(0, want.r - cur_r)
      local grow_t = math.min(ask_t, math.max(need_t, fair_t), room_t)
      local grow_r = math.min(ask_r, math.max(need_r, fair_r), room_r)
      if grow_t < ask_t or grow_r < ask_r then
        trickle = 1
      end
      if grow_t > 0 or grow_r > 0 or not want.rec then
        book(slot, grow_t, grow_r)
        record(want.id, slot, cur_t + grow_t, cur_r + grow_r, true)
        t_used, r_used = t_used + grow_t, r_used + grow_r
        held_t, held_r = held_t + grow_t, held_r + grow_r
      end
      lease_t, lease_r = cur_t + grow_t, cur_r + grow_r
    end
  end
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[4], ttl)

-- A closed lease gave budget back: wake one replica that has requests waiting for it.
local wake = ''
if freed > 0 then
  local room = math.max(0, tonumber(ARGV[9]) - t_used)
  redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', now_ms)
  local chosen = room > 0 and redis.call('ZRANDMEMBER', KEYS[8]) or nil
  if chosen then
    if chosen == ARGV[6] then
      wake = chosen
    else
      redis.call('PUBLISH', ARGV[7], chosen .. ' ' .. ARGV[8] .. ' ' .. int(room))
    end
  end
end
return {code, lease_t, lease_r, lease_slot, retry, t_used, r_used, paused, epoch, now_sec, held_t, held_r, trickle, wake}
