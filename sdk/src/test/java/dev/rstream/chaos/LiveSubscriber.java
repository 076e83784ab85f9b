package dev.rstream.chaos;

import dev.rstream.Offset;
import io.reactivex.rxjava3.disposables.Disposable;
import org.jspecify.annotations.Nullable;

/**
 * One {@code live()} subscription of a {@link SoakClient}: its name, its disposable, and what the
 * {@link ViewVerifier} remembers of its last view (touched only by the verifier's thread).
 */
final class LiveSubscriber {
  final String name;
  @Nullable Disposable disposable;

  /** Set before the subscription is disposed: its end is then expected. */
  volatile boolean disposing;

  @Nullable Offset lastOffset;
  int lastCount;
  long views;
  long wrongViews;

  LiveSubscriber(String name) {
    this.name = name;
  }
}
