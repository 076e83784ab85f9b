package dev.rstream.chaos;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.rstream.TokenSupplier;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The soak's auth server: issues bearer tokens and makes server-stub accept only the newest (its
 * token file), so that a rotation expires the token every client holds. Clients ask it again after
 * a 401 through {@link #supplier()}.
 *
 * <p>Rotation and renewal hold one lock, so a renewal never sees a token the server does not accept
 * yet, nor the old one once the server has moved on: issuer and server agree as one auth system
 * would. Thread-safe; {@link #rotate()} runs on one thread.
 */
final class TokenIssuer {
  /** What every token starts with: the mark the soak looks for in logs. */
  static final String TOKEN_PREFIX = "soak-token-";

  private final File tokenFile;
  private final Random random;

  /** Held by a rotation and by a renewal: see the class's contract. */
  private final Object lock = new Object();

  private final AtomicReference<String> issued = new AtomicReference<>();
  private final AtomicInteger rotations = new AtomicInteger();
  private final AtomicLong renewals = new AtomicLong();
  private volatile long lastRotationNanos;

  /**
   * @param tokenFile the file server-stub reads its one accepted token from
   * @param random the schedule's random (drawn on the thread that rotates)
   */
  TokenIssuer(File tokenFile, Random random) {
    this.tokenFile = tokenFile;
    this.random = random;
  }

  /** Issues a new token and makes the server accept only it: every token a client holds expires. */
  void rotate() throws IOException {
    String token = TOKEN_PREFIX + (rotations.get() + 1) + "-" + Long.toHexString(random.nextLong());
    synchronized (lock) {
      File next = new File(tokenFile.getPath() + ".next");
      Files.writeString(next.toPath(), token);
      Files.move(
          next.toPath(),
          tokenFile.toPath(),
          StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      issued.set(token);
      rotations.incrementAndGet();
      lastRotationNanos = System.nanoTime();
    }
  }

  /** The token the server accepts now. */
  String current() {
    return issued.get();
  }

  /** A client's token supplier: its cached token, renewed from the issuer after a 401. */
  TokenSupplier supplier() {
    AtomicReference<String> cached = new AtomicReference<>(issued.get());
    return refused -> {
      if (refused == null) return cached.get();
      renewals.incrementAndGet();
      synchronized (lock) {
        cached.set(issued.get());
      }
      return cached.get();
    };
  }

  /** Whether the last rotation is less than {@code seconds} old. */
  boolean rotatedWithin(long seconds) {
    return System.nanoTime() - lastRotationNanos < SECONDS.toNanos(seconds);
  }

  /** Tokens issued so far. */
  int rotations() {
    return rotations.get();
  }

  /** Tokens renewed by clients after a 401. */
  long renewals() {
    return renewals.get();
  }
}
