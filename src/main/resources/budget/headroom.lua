-- headroom: what the deployment has used in the window, and how long it is paused for. Read-only.
-- KEYS[1] window hash, KEYS[2] pause key, KEYS[3] epoch key; ARGV[1] windowMs
-- Reply {tokensUsed, requestsUsed, pausedForMs, nowSec, epoch} (epoch: '' when Redis lost it)
local n = slots(ARGV[1])
local now_sec = clock()
local t_used, r_used = load_window(KEYS[1], now_sec, n, false)
return {t_used, r_used, paused_for(KEYS[2]), now_sec, current_epoch(KEYS[3])}
