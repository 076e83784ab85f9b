package dev.rstream.server.workload;

/** Time for pacing, replaceable in tests so that rates are checked without a wall clock. */
interface Pacer {
  /** A monotonic time in nanoseconds. */
  long nanoTime();

  /** Waits until {@link #nanoTime()} has reached {@code deadline}. */
  void sleepUntil(long deadline) throws InterruptedException;

  Pacer SYSTEM =
      new Pacer() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleepUntil(long deadline) throws InterruptedException {
          long left;
          while ((left = deadline - System.nanoTime()) > 0) {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(left);
          }
        }
      };
}
