package dev.rstream.keyframer;

import dev.rstream.Offset;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A keyframer in a JVM of its own, for {@link KeyframerKillTest}: {@code KeyframerChild URL MODE}.
 * Prints {@code applied}, {@code appended ASOF} and {@code indexed POSITION} lines as it works. In
 * mode {@code hold} it stops after its first keyframe append, before that keyframe's index entry,
 * and waits there to be killed; in mode {@code run} it goes on until killed.
 */
public final class KeyframerChild {
  private KeyframerChild() {}

  public static void main(String[] args) {
    String url = args[0];
    boolean hold = args[1].equals("hold");
    Keyframer.builder(url)
        .changes(8)
        .interval(Duration.ofMillis(200))
        .listener(
            new Keyframer.Listener() {
              boolean told;

              @Override
              public void applied(Offset offset, boolean upToDate) {
                if (!told) System.out.println("applied " + offset);
                told = true;
              }

              @Override
              public void keyframeAppended(Offset asOf, @Nullable Instant timestamp, int entities) {
                System.out.println("appended " + asOf);
                if (hold) {
                  while (true) {
                    try {
                      Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                      // Only the kill ends this process.
                    }
                  }
                }
              }

              @Override
              public void indexed(Offset position, Offset asOf) {
                System.out.println("indexed " + position);
              }
            })
        .build()
        .run();
  }
}
