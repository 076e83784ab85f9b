package dev.rstream.server.storage;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child process of {@link FileLogStoreCrashTest}: appends numbered units to stream {@code s}
 * from several threads as fast as the store acknowledges them, printing {@code ack <n> <unitEnd>}
 * for each acknowledged one, until it is killed.
 *
 * <p>Unit {@code n} of thread {@code t} is its {@code seq}-th; it has {@code n % 3 + 1} messages
 * {@code n:t:seq:part/parts}, and commits producer state {@code t<t>} with {@code lastSeq = seq},
 * so the parent can check that units and producer states survive whole or not at all.
 *
 * <p>Arguments: data directory, first unit number, thread count.
 */
final class CrashingAppender {
  static final String STREAM = "s";

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    AtomicLong numbers = new AtomicLong(Long.parseLong(args[1]));
    int threads = Integer.parseInt(args[2]);
    PrintStream out = new PrintStream(System.out, false, UTF_8);
    FileLogStore store = FileLogStore.open(dir);
    if (store.meta(STREAM) == null) {
      store
          .create(
              new StreamMeta(STREAM, 0, "application/json", null, null, null, 0, 0, false, null),
              List.of())
          .get();
    }
    long[] firstSeq = new long[threads];
    for (ProducerState producer : store.producers(STREAM)) {
      int t = Integer.parseInt(producer.producerId().substring(1));
      if (t < threads) firstSeq[t] = producer.lastSeq() + 1;
    }
    for (int t = 0; t < threads; t++) {
      int thread = t;
      long startSeq = firstSeq[t];
      new Thread(
              () -> {
                try {
                  for (long seq = startSeq; ; seq++) {
                    long n = numbers.getAndIncrement();
                    int parts = (int) (n % 3) + 1;
                    List<byte[]> messages = new ArrayList<>();
                    for (int p = 0; p < parts; p++) {
                      messages.add(
                          (n + ":" + thread + ":" + seq + ":" + p + "/" + parts).getBytes(UTF_8));
                    }
                    // lastTailPosition is unknown before ordering; the parent checks lastSeq.
                    ProducerState producer = new ProducerState("t" + thread, 0, seq, -1, false);
                    long end = store.append(STREAM, messages, producer, false).get();
                    synchronized (out) {
                      out.println("ack " + n + " " + end);
                      out.flush();
                    }
                  }
                } catch (Exception e) {
                  e.printStackTrace();
                  System.exit(3);
                }
              },
              "appender-" + t)
          .start();
    }
  }
}
