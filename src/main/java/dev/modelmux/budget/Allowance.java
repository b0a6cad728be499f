package dev.modelmux.budget;

import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * What one replica holds of one deployment's shared window (or one client key's), and what it will ask Redis next.
 * No I/O here: {@link LeasedBudgetStore} sends the {@link LeaseCall}s this builds, one at a time per deployment, and
 * hands back their replies. A reservation that fits in a lease this replica holds is taken in memory; one that does
 * not waits for the next call (or is refused when the call says there is no room). Thread-safe (every method holds
 * the allowance's lock); never blocks.
 */
final class Allowance {
  /** A reservation waiting for the lease call in flight, completed by {@link #apply} or {@link #expire}. */
  record Ask(long tokens, long sinceNanos, Consumer<ReserveResult> answer) {}

  private static final long RETRY_NANOS = 200_000_000L;
  /** A lease nobody took from for this long is closed early, so what it holds goes back to the other replicas. */
  private static final long IDLE_CLOSE_NANOS = 1_000_000_000L;

  final String deploymentId;
  private volatile BudgetLimits limits;
  private final long leaseSeconds;
  private final long windowNanos;
  private final Leases leases = new Leases();
  private final ArrayDeque<Ask> queue = new ArrayDeque<>();
  private final Demand demand;
  private String epoch = "";
  private boolean restore;
  private boolean probe;
  private long pausedUntilNanos;
  private LeaseReply last;
  /** The call in flight (null when none) and when it was first sent. */
  private LeaseCall inFlight;
  private long inFlightSince;
  private String wantId;
  /** When the last reservation was taken here: a lease left idle gives back what it did not spend. */
  private long lastTakeNanos;
  /** No call before this (a denial while other replicas hold leases that will give budget back). */
  private long notBeforeNanos;
  private final List<LeaseCall.Op> extras = new ArrayList<>();

  Allowance(String deploymentId, BudgetLimits limits, long leaseMs, long windowMs) {
    this.deploymentId = deploymentId;
    this.limits = limits;
    this.leaseSeconds = Math.max(2, leaseMs / 1000);
    this.windowNanos = windowMs * 1_000_000L;
    this.demand = new Demand(leaseSeconds);
  }

  long leaseSeconds() {
    return leaseSeconds;
  }

  BudgetLimits limits() {
    return limits;
  }

  /**
   * Takes {@code tokens} and one request from a lease this replica holds: the grant, or a refusal that needs no
   * network (paused, too large), or null when Redis must be asked (then {@link #enqueue}).
   */
  synchronized ReserveResult take(BudgetLimits limits, long tokens, long nowNanos) {
    this.limits = limits;
    demand.note(tokens, nowNanos);
    if (tokens > limits.tpm()) {
      return new ReserveResult.Denied(0, headroom(nowNanos), ReserveResult.Reason.TOO_LARGE);
    }
    if (pausedUntilNanos - nowNanos > 0) {
      long ms = Math.max(1, (pausedUntilNanos - nowNanos) / 1_000_000);
      return new ReserveResult.Denied(ms, headroom(nowNanos), ReserveResult.Reason.PAUSED);
    }
    lastTakeNanos = nowNanos;
    return queue.isEmpty() ? spend(tokens, nowNanos) : null;
  }

  /** Spends from the open lease that ends first and still fits (first come first served: only when nobody queues). */
  private ReserveResult spend(long tokens, long nowNanos) {
    Lease chosen = leases.firstToFit(tokens, nowNanos);
    if (chosen == null) {
      return null;
    }
    chosen.spentTokens += tokens;
    chosen.spentRequests += 1;
    chosen.inFlight++;
    return new ReserveResult.Granted(new Reservation(deploymentId, chosen.id, tokens, chosen.slot, false), headroom(nowNanos));
  }

  synchronized void enqueue(Ask ask) {
    queue.add(ask);
  }

  /** Whether anything waits for Redis: queued reservations, closes and corrections, a restore, a refill due. */
  synchronized boolean hasWork(long nowNanos) {
    if (inFlight != null || (!restore && !probe && notBeforeNanos - nowNanos > 0)) {
      return false;
    }
    closeExpired(nowNanos);
    return !queue.isEmpty() || restore || probe || !extras.isEmpty() || leases.anyToClose() || refillDue(nowNanos);
  }

  /** A reservation of this allowance ended having used {@code actualTokens}: the rest goes back to its lease. */
  synchronized void settle(Reservation reservation, long actualTokens) {
    Lease l = leases.find(reservation.id());
    if (l != null) {
      l.spentTokens = Math.max(0, l.spentTokens + Math.max(0, actualTokens) - reservation.tokens());
      l.inFlight = Math.max(0, l.inFlight - 1);
    }
  }

  /** A provider said to wait: nothing is spent here until then (the pause is shared through Redis too). */
  synchronized void pause(long millis, long nowNanos) {
    long until = nowNanos + millis * 1_000_000L;
    if (until - pausedUntilNanos > 0) {
      pausedUntilNanos = until;
    }
  }

  /** Redis lost everything (a new data epoch): give it back what this replica holds on its next call. */
  synchronized void mustRestore() {
    if (!epoch.isEmpty()) {
      probe = true;
    }
  }

  /** The next call to send (null when nothing is due or a call is in flight); it stays in flight until applied. */
  synchronized LeaseCall nextCall(long nowNanos) {
    if (inFlight != null) {
      return null;
    }
    closeExpired(nowNanos);
    forgetAgedOut(nowNanos);
    List<LeaseCall.Op> ops = new ArrayList<>();
    if (restore) {
      for (Lease l : leases) {
        ops.add(LeaseCall.Op.restore(l.id, l.bookedTokens, l.bookedRequests, l.slot, l.open));
      }
    }
    for (Lease l : leases) {
      if (Leases.needsClose(l)) {
        ops.add(LeaseCall.Op.set(l.id, l.dueTokens(), l.dueRequests()));
      }
    }
    ops.addAll(extras);
    long demandTokens = demand.tokens(nowNanos);
    long demandRequests = demand.requests(nowNanos);
    wantId = null;
    if (!queue.isEmpty() || refillDue(nowNanos)) {
      Lease current = current(nowNanos);
      long queuedTokens = 0;
      for (Ask a : queue) {
        queuedTokens += a.tokens();
      }
      long askTokens = Math.max(queuedTokens, demandTokens);
      long askRequests = Math.max(queue.size(), demandRequests);
      long headTokens = queue.isEmpty() ? 0 : queue.peek().tokens();
      if (current != null) {
        wantId = current.id;
        long free = current.tokens - current.spentTokens;
        long freeRequests = current.requests - current.spentRequests;
        long minTokens = queue.isEmpty() ? current.tokens : current.tokens + Math.max(0, headTokens - free);
        long minRequests = queue.isEmpty() ? current.requests : current.requests + Math.max(0, 1 - freeRequests);
        ops.add(LeaseCall.Op.want(current.id, current.spentTokens + askTokens, current.spentRequests + askRequests,
            minTokens, minRequests));
      } else {
        wantId = UUID.randomUUID().toString();
        ops.add(LeaseCall.Op.want(wantId, askTokens, askRequests, headTokens, queue.isEmpty() ? 0 : 1));
      }
      demandTokens = Math.max(demandTokens, askTokens);
      demandRequests = Math.max(demandRequests, askRequests);
    }
    if (ops.isEmpty() && !probe) {
      return null;
    }
    probe = false;
    inFlight = new LeaseCall(epoch, restore, demandTokens, demandRequests, ops);
    inFlightSince = nowNanos;
    return inFlight;
  }

  /**
   * Redis answered {@code call} (sent first at {@code sentNanos}). Returns the asks answered by it, with their
   * answers, to be completed outside the lock.
   */
  synchronized List<Runnable> apply(LeaseCall call, LeaseReply reply, long nowNanos) {
    if (call != inFlight) {
      return List.of();
    }
    inFlight = null;
    epoch = reply.epoch();
    if (reply.code() == 5) {
      restore = true; // Redis lost the window: the next call gives it back what this replica holds
      return List.of();
    }
    if (call.restoring()) {
      restore = false;
    }
    extras.removeAll(call.ops());
    last = reply;
    for (LeaseCall.Op op : call.ops()) {
      Lease l = leases.find(op.id());
      if (l == null) {
        continue;
      }
      if (op.kind().equals("set")) {
        l.bookedTokens = op.tokens();
        l.bookedRequests = op.requests();
      } else if (op.kind().equals("restore")) {
        l.bookedTokens = Math.max(l.bookedTokens, op.tokens());
      }
    }
    if (wantId != null && reply.code() == 0) {
      Lease l = leases.find(wantId);
      if (l == null) {
        if (reply.leaseRequests() > 0 || reply.leaseTokens() > 0) {
          // It can be spent until one second before the second it is booked at, counted from the first send.
          l = new Lease(wantId, reply.leaseSlot(), reply.leaseTokens(), reply.leaseRequests(),
              inFlightSince + (leaseSeconds - 1) * 1_000_000_000L);
          leases.add(l);
        }
      } else if (l.open) {
        l.tokens = reply.leaseTokens();
        l.requests = reply.leaseRequests();
      }
      if (l != null && l.open) {
        l.bookedTokens = reply.leaseTokens();
        l.bookedRequests = reply.leaseRequests();
      }
    }
    List<Runnable> answered = new ArrayList<>();
    boolean othersWillGiveBack = othersHoldEnough(reply, nowNanos);
    while (!queue.isEmpty()) {
      Ask a = queue.peek();
      ReserveResult r = spend(a.tokens(), nowNanos);
      if (r == null) {
        if (reply.code() == 0 || wantId == null) {
          break; // the share capped this lease: ask again for the rest
        }
        if (reply.code() == 7) {
          // Redis is being given back the window it lost: wait for the restore (bounded by the barrier), not refuse.
          notBeforeNanos = nowNanos + RETRY_NANOS;
          break;
        }
        if (othersWillGiveBack && nowNanos - a.sinceNanos() < leaseSeconds * 1_000_000_000L) {
          // No room now, but other replicas hold leases that end within a lease's time and give back what they did not
          // spend: ask again shortly rather than strand that budget.
          notBeforeNanos = nowNanos + RETRY_NANOS;
          break;
        }
        r = refusal(reply, nowNanos);
      }
      queue.poll();
      ReserveResult result = r;
      answered.add(() -> a.answer().accept(result));
    }
    return answered;
  }

  /** Operations to send with the next call (what this replica granted on its own while Redis was away). */
  synchronized void add(List<LeaseCall.Op> ops) {
    extras.addAll(ops);
  }

  /** Asks that waited longer than {@code maxWaitNanos} are refused (the route tries its next candidate). */
  synchronized List<Runnable> expire(long maxWaitNanos, long nowNanos, ReserveResult.Reason reason) {
    List<Runnable> answered = new ArrayList<>();
    for (Iterator<Ask> it = queue.iterator(); it.hasNext(); ) {
      Ask a = it.next();
      if (nowNanos - a.sinceNanos() >= maxWaitNanos) {
        it.remove();
        ReserveResult r = new ReserveResult.Denied(50, headroom(nowNanos), reason);
        answered.add(() -> a.answer().accept(r));
      }
    }
    return answered;
  }

  /** Every queued ask, removed (to be answered another way: the local share while Redis is unavailable). */
  synchronized List<Ask> drainQueue() {
    List<Ask> all = new ArrayList<>(queue);
    queue.clear();
    return all;
  }

  synchronized long callAgeNanos(long nowNanos) {
    return inFlight == null ? 0 : nowNanos - inFlightSince;
  }

  /** Denied for room while other replicas' open leases hold at least what the first waiting reservation needs. */
  private boolean othersHoldEnough(LeaseReply reply, long nowNanos) {
    if ((reply.code() != 1 && reply.code() != 2) || queue.isEmpty()) {
      return false;
    }
    long[] own = leases.openGranted();
    long tokens = reply.heldTokens() - own[0];
    long requests = reply.heldRequests() - own[1];
    return reply.code() == 1 ? tokens >= queue.peek().tokens() : requests >= 1;
  }

  private ReserveResult refusal(LeaseReply reply, long nowNanos) {
    ReserveResult.Reason reason = switch (reply.code()) {
      case 1 -> ReserveResult.Reason.TOKENS;
      case 2 -> ReserveResult.Reason.REQUESTS;
      case 3 -> ReserveResult.Reason.PAUSED;
      case 4 -> ReserveResult.Reason.TOO_LARGE;
      default -> ReserveResult.Reason.UNAVAILABLE;
    };
    if (reply.code() == 3) {
      pause(reply.pausedForMs(), nowNanos);
    }
    return new ReserveResult.Denied(Math.max(1, reply.retryAfterMs()), headroom(nowNanos), reason);
  }

  /**
   * What this replica sees of the window: the shared usage as Redis last reported it, less what this replica holds
   * and has not spent (it is free for this replica's requests).
   */
  synchronized Headroom headroom(long nowNanos) {
    BudgetLimits l = limits;
    long paused = Math.max(0, (pausedUntilNanos - nowNanos) / 1_000_000);
    if (last == null) {
      return new Headroom(0, 0, l.tpm(), l.rpm(), paused);
    }
    return new Headroom(Math.max(0, last.tokensUsed() - heldTokens(nowNanos)), Math.max(0, last.requestsUsed() - heldRequests(nowNanos)),
        l.tpm(), l.rpm(), Math.max(paused, last.pausedForMs()));
  }

  /** Unspent tokens of the leases this replica may still spend from. */
  synchronized long heldTokens(long nowNanos) {
    return leases.heldTokens(nowNanos);
  }

  synchronized long heldRequests(long nowNanos) {
    return leases.heldRequests(nowNanos);
  }

  /** {@code shared} (the window as Redis holds it now) less what this replica holds and has not spent. */
  synchronized Headroom lessHeld(Headroom shared, long nowNanos) {
    return new Headroom(Math.max(0, shared.tokensUsed() - heldTokens(nowNanos)),
        Math.max(0, shared.requestsUsed() - heldRequests(nowNanos)), shared.tpm(), shared.rpm(), shared.pausedForMs());
  }

  /** What this replica holds unspent, and what every replica holds (as Redis last said), for the admin API. */
  synchronized JsonObject report(long nowNanos) {
    return report(heldTokens(nowNanos), heldRequests(nowNanos), last);
  }

  static JsonObject report(long heldTokens, long heldRequests, LeaseReply last) {
    return new JsonObject().put("heldTokens", heldTokens).put("heldRequests", heldRequests)
        .put("leasedTokens", last == null ? 0L : last.heldTokens()).put("leasedRequests", last == null ? 0L : last.heldRequests())
        .put("trickle", last != null && last.trickle());
  }

  /** Leases this replica holds (open or not yet out of the window), for restores and tests. */
  synchronized int leaseCount() {
    return leases.size();
  }

  /** The open lease new demand grows, or null when there is none with a useful time left (a quarter of a lease). */
  private Lease current(long nowNanos) {
    return leases.current(nowNanos, leaseSeconds * 250_000_000L);
  }

  /** Refill ahead: demand exists and what is held will not last (under half left, or the lease ends soon). */
  private boolean refillDue(long nowNanos) {
    long wanted = demand.requests(nowNanos);
    if (wanted <= 0 || (last != null && last.trickle()) || nowNanos - lastTakeNanos > IDLE_CLOSE_NANOS) {
      return false;
    }
    long held = leases.heldRequests(nowNanos);
    Lease current = current(nowNanos);
    return current == null ? held < wanted : held * 2 < Math.min(wanted, current.requests);
  }

  private void closeExpired(long nowNanos) {
    leases.closeExpired(nowNanos, nowNanos - lastTakeNanos > IDLE_CLOSE_NANOS && queue.isEmpty());
  }

  /** A closed lease with nothing in flight leaves once the window no longer counts it (a lease's length after it). */
  private void forgetAgedOut(long nowNanos) {
    leases.forgetAgedOut(nowNanos, windowNanos + (leaseSeconds + 2) * 1_000_000_000L);
  }
}
