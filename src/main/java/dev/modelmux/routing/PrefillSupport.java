package dev.modelmux.routing;

/**
 * Whether a deployment takes an assistant prefill when it continues a broken stream: as its config says, until it
 * refused one that it then answered as a plain replay; from then on, for the life of the process, its continuations
 * go straight to the replay. Shared by every request and event loop.
 */
public final class PrefillSupport {
  private final boolean configured;
  private volatile boolean refused;

  PrefillSupport(boolean configured) {
    this.configured = configured;
  }

  public boolean takesPrefill() {
    return configured && !refused;
  }

  /** The deployment refused a prefill and answered the same conversation without it. */
  public void refused() {
    refused = true;
  }
}
