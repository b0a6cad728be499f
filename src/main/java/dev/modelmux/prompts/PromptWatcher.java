package dev.modelmux.prompts;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * Picks up edits to the prompt repository: every {@code pollMs} the folder's listing (names and a checksum of each
 * file's content; prompt files are small) is compared with the last one, off the event loop, and any change reloads it. Polling works the same on
 * every file system, a ConfigMap's symlink swaps on Kubernetes included, where file events do not.
 */
public final class PromptWatcher {
  private final Vertx vertx;
  private final PromptRepository repository;
  private long timer = -1;
  private String lastListing;
  private boolean checking;

  public PromptWatcher(Vertx vertx, PromptRepository repository) {
    this.vertx = vertx;
    this.repository = repository;
  }

  /** Loads the repository now (blocking), then watches it. */
  public PromptWatcher start(long pollMs) {
    lastListing = listing(repository.dir());
    repository.reload();
    timer = vertx.setPeriodic(pollMs, id -> check());
    return this;
  }

  public void stop() {
    vertx.cancelTimer(timer);
  }

  private void check() {
    if (checking) {
      return;
    }
    checking = true;
    vertx.executeBlocking(() -> {
      String now = listing(repository.dir());
      if (!now.equals(lastListing)) {
        lastListing = now;
        repository.reload();
      }
      return null;
    }, false).onComplete(done -> checking = false);
  }

  static String listing(Path dir) {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> files = Files.walk(dir, 3)) {
      List<Path> sorted = files.sorted().toList();
      for (Path file : sorted) {
        out.append(dir.relativize(file));
        if (Files.isRegularFile(file)) {
          CRC32 crc = new CRC32();
          crc.update(Files.readAllBytes(file));
          out.append(' ').append(crc.getValue());
        }
        out.append('\n');
      }
    } catch (IOException e) {
      out.append("unreadable: ").append(e.getMessage());
    }
    return out.toString();
  }
}
