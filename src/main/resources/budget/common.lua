-- modelmux budgets: shared prelude, prepended to every budget script before it is loaded.
--
-- Every key of one deployment carries the same hash tag, so a cluster keeps them in one slot and every script
-- touches one slot only:
--   <prefix>{<deployment>}:w        hash, one field per second-slot: "t:<epoch-second>" tokens, "r:<epoch-second>" requests
--   <prefix>{<deployment>}:pause    present (with a PX expiry) while a provider 429 pauses the deployment
--   <prefix>{<deployment>}:epoch    never expires; its absence means Redis lost the window (restarted empty)
--   <prefix>{<deployment>}:leases   hash, one field per lease still in the window: "<slot> <tokens> <requests> <open> <replica>"
--   <prefix>{<deployment>}:demand   hash, one field per replica: "<tokens> <requests> <until ms>", its recent demand
--   <prefix>{<deployment>}:barrier  after a loss: how many replicas must restore the window before grants continue
--   <prefix>{<deployment>}:restored the replicas that have restored it (both expire with the barrier)
--   <prefix>{<deployment>}:waiting  sorted set: replicas with requests waiting for budget, scored by expiry (ms)
--   <prefix>{<deployment>}:probe    the replica that sends the probe of a half-open breaker (with a PX expiry)
-- The window is the last n = ceil(windowMs / 1000) seconds of Redis server time, the current one included, so it
-- slides one second at a time, plus the seconds ahead where open leases are booked (at the second they end). A slot
-- recorded at second s leaves the window at (s + n) * 1000 ms. Every write sets PEXPIRE on the hash, so the budget
-- of a replica that dies holding a lease simply ages out.

local function clock()
  local t = redis.call('TIME')
  local sec = tonumber(t[1])
  return sec, sec * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function slots(window_ms)
  return math.ceil(tonumber(window_ms) / 1000)
end

local function int(x)
  return string.format('%d', x)
end

-- Sums the live slots of the window hash; with prune, deletes the fields that left the window.
-- Returns tokens used, requests used, and per-second tables of both.
local function load_window(key, now_sec, n, prune)
  local oldest = now_sec - n + 1
  local raw = redis.call('HGETALL', key)
  local t_used, r_used = 0, 0
  local t_by, r_by = {}, {}
  local stale = {}
  for i = 1, #raw, 2 do
    local f = raw[i]
    local sec = tonumber(string.sub(f, 3))
    local v = tonumber(raw[i + 1]) or 0
    if sec == nil or sec < oldest then
      stale[#stale + 1] = f
    elseif string.sub(f, 1, 1) == 't' then
      t_used = t_used + v
      t_by[sec] = (t_by[sec] or 0) + v
    else
      r_used = r_used + v
      r_by[sec] = (r_by[sec] or 0) + v
    end
  end
  if prune then
    for i = 1, #stale, 500 do
      redis.call('HDEL', key, unpack(stale, i, math.min(i + 499, #stale)))
    end
  end
  return t_used, r_used, t_by, r_by
end

-- Milliseconds until the oldest slots leaving the window have freed at least `need`.
local function wait_to_free(by, need, now_sec, now_ms, n)
  local freed = 0
  for sec = now_sec - n + 1, now_sec do
    local v = by[sec]
    if v then
      freed = freed + v
      if freed >= need then
        return math.max(1, (sec + n) * 1000 - now_ms)
      end
    end
  end
  return math.max(1, (now_sec + n) * 1000 - now_ms)
end

local function paused_for(pause_key)
  local left = redis.call('PTTL', pause_key)
  if left < 0 then
    return 0
  end
  return left
end

local function touch(key, n)
  redis.call('PEXPIRE', key, (n + 32) * 1000) -- leases are booked up to 30 s ahead
end


local function reservation_ttl(n)
  return (n + 1) * 1000
end

-- The deployment's epoch as it stands ('' when Redis lost it), for scripts that only report the window.
local function current_epoch(epoch_key)
  return redis.call('GET', epoch_key) or ''
end

-- The deployment's epoch; a missing one is created. A caller that knew an epoch means the window was lost, not new:
-- a barrier then holds grants back until the replicas that knew the window have restored it (or it expires).
local function ensure_epoch(epoch_key, barrier_key, known, fresh, replicas, barrier_ms)
  local epoch = redis.call('GET', epoch_key)
  if not epoch then
    epoch = fresh
    redis.call('SET', epoch_key, epoch)
    if known ~= '' then
      redis.call('SET', barrier_key, replicas, 'PX', barrier_ms)
    end
  end
  return epoch
end
