package dev.modelmux.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.budget.ReserveResult.Denied;
import dev.modelmux.budget.ReserveResult.Granted;
import dev.modelmux.budget.ReserveResult.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalBudgetStoreTest {
  private static final String DEP = "acct-a/gpt-4";
  /** 1000 TPM, 10 RPM. */
  private static final BudgetLimits LIMITS = new BudgetLimits(1000, 10);

  private final AtomicLong now = new AtomicLong(1_700_000_000_000L); // a whole second
  private final LocalBudgetStore store = new LocalBudgetStore(60_000, 1.0, now::get);

  private ReserveResult reserve(long tokens) {
    return store.reserveNow(DEP, LIMITS, tokens);
  }

  private Reservation granted(long tokens) {
    ReserveResult r = reserve(tokens);
    assertThat(r).isInstanceOf(Granted.class);
    return ((Granted) r).reservation();
  }

  @Test
  void grantsUntilTheTokenLimitThenDeniesWithExactRetryAfter() {
    granted(400); // slot t0
    now.addAndGet(10_000);
    granted(300); // slot t0+10
    now.addAndGet(500);
    Granted g = (Granted) reserve(300); // slot t0+10, at t0+10.5
    assertThat(g.after().tokensUsed()).isEqualTo(1000);
    assertThat(g.after().tokensLeft()).isZero();
    assertThat(g.reservation().local()).isTrue();

    Denied d = (Denied) reserve(100);
    assertThat(d.reason()).isEqualTo(Reason.TOKENS);
    // the 400 of second t0 leave the window at t0+60 s; now is t0+10.5 s
    assertThat(d.retryAfterMs()).isEqualTo(49_500);

    Denied bigger = (Denied) reserve(500); // needs the t0 slot (400) and t0+10 (600) to leave
    assertThat(bigger.retryAfterMs()).isEqualTo(59_500);
  }

  @Test
  void slotsAgeOutOneSecondAtATimeNotAllAtOnce() {
    for (int s = 0; s < 5; s++) {
      granted(200);
      now.addAndGet(1000);
    }
    // five slots of 200 at t0..t0+4; now t0+5
    assertThat(reserve(1)).isInstanceOf(Denied.class);
    now.set(now.get() + 55_000 - 1); // t0+59.999: nothing has left yet
    assertThat(store.headroomNow(DEP, LIMITS).tokensUsed()).isEqualTo(1000);
    now.incrementAndGet(); // t0+60: only the first slot has left
    assertThat(store.headroomNow(DEP, LIMITS).tokensUsed()).isEqualTo(800);
    now.addAndGet(1000);
    assertThat(store.headroomNow(DEP, LIMITS).tokensUsed()).isEqualTo(600);
    now.addAndGet(3000);
    assertThat(store.headroomNow(DEP, LIMITS).tokensUsed()).isZero();
    assertThat(store.headroomNow(DEP, LIMITS).requestsUsed()).isZero();
  }

  @Test
  void requestLimitIsEnforcedIndependentlyOfTokens() {
    for (int i = 0; i < 10; i++) {
      granted(1);
      now.addAndGet(100);
    }
    Denied d = (Denied) reserve(1);
    assertThat(d.reason()).isEqualTo(Reason.REQUESTS);
    // all ten were recorded in second t0 (t0 .. t0+0.9); now t0+1.0; they leave at t0+60
    assertThat(d.retryAfterMs()).isEqualTo(59_000);
    assertThat(d.now().requestsLeft()).isZero();
  }

  @Test
  void tooLargeWhenTheRequestCanNeverFit() {
    Denied d = (Denied) reserve(1001);
    assertThat(d.reason()).isEqualTo(Reason.TOO_LARGE);
    assertThat(store.headroomNow(DEP, LIMITS).requestsUsed()).isZero();
    assertThat(reserve(1000)).isInstanceOf(Granted.class);
  }

  @Test
  void settleGivesBackTheDifferenceAndFiresFreed() {
    List<String> freed = new ArrayList<>();
    store.onFreed((id, tokens) -> freed.add(id + ":" + tokens));
    store.waiting(DEP, true);
    Reservation r = granted(800);
    now.addAndGet(5_000);
    assertThat(reserve(300)).isInstanceOf(Denied.class);
    store.settle(r, 150);
    assertThat(freed).as("the tokens free now").containsExactly(DEP + ":850");
    assertThat(store.headroomNow(DEP, LIMITS).tokensUsed()).isEqualTo(150);
    assertThat(reserve(300)).isInstanceOf(Granted.class);
  }

  @Test
  void settleAboveTheReservationTakesMoreAndNeverGoesBelowZero() {
    List<String> freed = new ArrayList<>();
    store.onFreed((id, tokens) -> freed.add(id));
    store.waiting(DEP, true);
    Reservation r = granted(100);
    store.settle(r, 250);
    assertThat(store.headroomNow(DEP, LIMITS).tokensUsed()).isEqualTo(250);
    assertThat(freed).isEmpty();
    // a reservation whose slot was partly cleared by an earlier settle cannot push the slot below zero
    Reservation other = new Reservation(DEP, "other", 1000, r.slot(), true);
    store.settle(other, 0);
    assertThat(store.headroomNow(DEP, LIMITS).tokensUsed()).isZero();
  }

  @Test
  void settleAfterTheSlotLeftTheWindowChangesNothing() {
    Reservation r = granted(500);
    now.addAndGet(60_000);
    Reservation fresh = granted(900);
    store.settle(r, 0); // its slot is gone; must not take from the fresh one
    assertThat(store.headroomNow(DEP, LIMITS).tokensUsed()).isEqualTo(900);
    assertThat(fresh.slot()).isEqualTo(r.slot() + 60);
  }

  @Test
  void pauseBlocksReservationsUntilItEnds() {
    store.pause(DEP, 7_250);
    Denied d = (Denied) reserve(10);
    assertThat(d.reason()).isEqualTo(Reason.PAUSED);
    assertThat(d.retryAfterMs()).isEqualTo(7_250);
    assertThat(store.headroomNow(DEP, LIMITS).pausedForMs()).isEqualTo(7_250);
    assertThat(store.headroomNow(DEP, LIMITS).freeFraction()).isZero();
    store.pause(DEP, 1_000); // a shorter pause does not cut the longer one
    now.addAndGet(7_249);
    assertThat(((Denied) reserve(10)).retryAfterMs()).isEqualTo(1);
    now.incrementAndGet();
    assertThat(reserve(10)).isInstanceOf(Granted.class);
    assertThat(store.headroomNow("other", LIMITS).pausedForMs()).isZero();
  }

  @Test
  void observeRemainingClampsTheBudgetAndAgesOut() {
    granted(100);
    store.observeRemaining(DEP, LIMITS, 300, -1); // provider: 700 used, we believe 100
    assertThat(store.headroomNow(DEP, LIMITS).tokensUsed()).isEqualTo(700);
    assertThat(store.headroomNow(DEP, LIMITS).requestsUsed()).isEqualTo(1);
    store.observeRemaining(DEP, LIMITS, 900, 2); // says more is left than we believe: tokens unchanged
    assertThat(store.headroomNow(DEP, LIMITS).tokensUsed()).isEqualTo(700);
    assertThat(store.headroomNow(DEP, LIMITS).requestsUsed()).isEqualTo(8);
    assertThat(((Denied) reserve(400)).reason()).isEqualTo(Reason.TOKENS);
    now.addAndGet(60_000);
    assertThat(store.headroomNow(DEP, LIMITS).tokensUsed()).isZero();
  }

  @Test
  void shareScalesTheLimits() {
    LocalBudgetStore half = new LocalBudgetStore(60_000, 0.25, now::get);
    Headroom h = half.headroomNow(DEP, LIMITS);
    assertThat(h.tpm()).isEqualTo(250);
    assertThat(h.rpm()).isEqualTo(2);
    assertThat(((Denied) half.reserveNow(DEP, LIMITS, 251)).reason()).isEqualTo(Reason.TOO_LARGE);
    assertThat(half.reserveNow(DEP, LIMITS, 100)).isInstanceOf(Granted.class);
    assertThat(half.reserveNow(DEP, LIMITS, 100)).isInstanceOf(Granted.class);
    assertThat(((Denied) half.reserveNow(DEP, LIMITS, 1)).reason()).isEqualTo(Reason.REQUESTS);
    // a tiny share still lets one request through per window
    LocalBudgetStore tiny = new LocalBudgetStore(60_000, 0.01, now::get);
    assertThat(tiny.headroomNow(DEP, new BudgetLimits(100_000, 10)).rpm()).isEqualTo(1);
  }

  @Test
  void deploymentsAreIndependent() {
    granted(1000);
    assertThat(store.reserveNow("other", LIMITS, 1000)).isInstanceOf(Granted.class);
  }

  @Test
  void concurrentReservesNeverExceedTheLimits() throws Exception {
    LocalBudgetStore real = new LocalBudgetStore(60_000);
    BudgetLimits limits = new BudgetLimits(1_000_000, 500);
    AtomicInteger grants = new AtomicInteger();
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 200; i++) {
          if (real.reserveNow(DEP, limits, 10) instanceof Granted) {
            grants.incrementAndGet();
          }
        }
      });
      th.start();
      all.add(th);
    }
    start.countDown();
    for (Thread th : all) {
      th.join(10_000);
    }
    assertThat(grants.get()).isEqualTo(500);
    assertThat(real.headroomNow(DEP, limits).requestsUsed()).isEqualTo(500);
  }
  /**
   * Two threads (as the two event loops) reserve and settle at once, settling for less or more than they reserved: the
   * tokens granted never pass the limit at any grant, the window holds exactly what was kept, and every id is distinct.
   */
  @Test
  void twoThreadsReservingAndSettlingNeverOvershootTheTokens() throws Exception {
    LocalBudgetStore real = new LocalBudgetStore(60_000);
    BudgetLimits limits = new BudgetLimits(100_000, 1_000_000);
    AtomicLong kept = new AtomicLong();
    AtomicInteger overshoots = new AtomicInteger();
    Set<String> ids = ConcurrentHashMap.newKeySet();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> both = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int thread = t;
      Thread th = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 20_000; i++) {
          if (real.reserveNow(DEP, limits, 40) instanceof Granted g) {
            if (g.after().tokensUsed() > limits.tpm()) {
              overshoots.incrementAndGet();
            }
            ids.add(g.reservation().id());
            long actual = (i + thread) % 3 == 0 ? 10 : 40;
            real.settleNow(g.reservation(), actual);
            kept.addAndGet(actual);
          }
        }
      });
      th.start();
      both.add(th);
    }
    start.countDown();
    for (Thread th : both) {
      th.join(30_000);
    }
    assertThat(overshoots.get()).isZero();
    long used = real.headroomNow(DEP, limits).tokensUsed();
    assertThat(used).isEqualTo(kept.get()).isLessThanOrEqualTo(limits.tpm()).isGreaterThan(limits.tpm() / 2);
    assertThat(ids).hasSize((int) real.headroomNow(DEP, limits).requestsUsed());
  }
}
