package dev.modelmux.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlidingWindowTest {

  @Test
  void requestsSlideOutAfterSixtySecondsAndTheMaximumIsRemembered() {
    SlidingWindow window = new SlidingWindow();
    assertThat(window.tryAcquire("m", 0, 10, 2, 0).admitted()).isTrue();
    assertThat(window.tryAcquire("m", 30_000, 10, 2, 0).admitted()).isTrue();
    SlidingWindow.Decision refused = window.tryAcquire("m", 40_000, 10, 2, 0);
    assertThat(refused.admitted()).isFalse();
    assertThat(refused.refusal().kind()).isEqualTo(ApiError.Kind.RATE_LIMIT_REQUESTS);
    assertThat(refused.refusal().retryAfterMs()).isEqualTo(20_000);
    assertThat(refused.state().remainingRequests()).isZero();
    assertThat(window.tryAcquire("m", 60_000, 10, 2, 0).admitted()).isTrue();
    assertThat(window.maxRequests()).isEqualTo(2);
    assertThat(window.maxTokens()).isEqualTo(20);
  }

  @Test
  void tokensWaitUntilEnoughHaveExpired() {
    SlidingWindow window = new SlidingWindow();
    window.tryAcquire("m", 0, 60, 0, 100);
    window.tryAcquire("m", 10_000, 30, 0, 100);
    SlidingWindow.Decision refused = window.tryAcquire("m", 20_000, 50, 0, 100);
    assertThat(refused.refusal().kind()).isEqualTo(ApiError.Kind.RATE_LIMIT_TOKENS);
    assertThat(refused.refusal().retryAfterMs()).isEqualTo(40_000);
    RateLimitState state = window.state(20_000, 0, 100);
    assertThat(state.remainingTokens()).isEqualTo(10);
    assertThat(state.resetTokensMs()).isEqualTo(50_000);
    assertThat(window.tryAcquire("m", 20_000, 101, 0, 100).refusal().kind()).isEqualTo(ApiError.Kind.REQUEST_TOO_LARGE);
  }
}
