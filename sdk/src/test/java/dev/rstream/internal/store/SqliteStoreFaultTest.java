package dev.rstream.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore.StoredWindow;
import dev.rstream.LocalStoreException;
import dev.rstream.Offset;
import dev.rstream.SqliteStore;
import java.io.File;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store file that is bad, unwritable or already open: detected, typed, never served wrong. */
class SqliteStoreFaultTest {
  private static final String URL = "http://host/v1/stream/s";
  private static final long BUDGET = 1L << 30;

  @TempDir File dir;

  private static StoredWindow window(int n, int changes) {
    List<Change> list = new ArrayList<>();
    for (int i = 0; i < changes; i++) {
      list.add(
          Change.update("item", "k" + i, "{\"text\":\"" + "x".repeat(200) + i + "\"}")
              .newBuilder()
              .offset(Offset.of(String.format("0_%08d", n * 1000 + i + 1)))
              .timestamp(Instant.ofEpochSecond(n))
              .build());
    }
    return StoredWindow.of(
        Keyframe.of(Offset.of(String.format("0_%08d", n * 1000)), Instant.ofEpochSecond(n)),
        Keyframe.of(
            Offset.of(String.format("0_%08d", n * 1000 + 1000)), Instant.ofEpochSecond(n + 1)),
        Offset.of(String.format("0_%08d", n * 1000)),
        Collections.emptyList(),
        list);
  }

  /** The live window from the stream's start, before any keyframe, holding {@code changes}. */
  private static StoredWindow liveWindow(List<Change> changes) {
    return StoredWindow.of(null, null, Offset.of("0_00000000"), Collections.emptyList(), changes);
  }

  private static SqlLocalStore open(File file, long budget) {
    return SqlLocalStore.open(file, budget, JdbcSqlConnection::open);
  }

  private File[] movedAside(File file) {
    return dir.listFiles(
        (d, name) ->
            name.startsWith(file.getName() + ".corrupt-")
                && !name.endsWith("-wal")
                && !name.endsWith("-shm"));
  }

  /** A store file {@code name} in which window 1 is stored, with two changes. */
  private File storeWithOneWindow(String name) {
    File file = new File(dir, name);
    try (SqlLocalStore db = open(file, BUDGET)) {
      db.putWindow(URL, window(1, 2));
    }
    return file;
  }

  /** Runs {@code statements} on the SQLite file, as another program than the store would. */
  private static void execute(File file, String... statements) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.getPath());
        Statement s = c.createStatement()) {
      for (String statement : statements) s.execute(statement);
    }
  }

  private File filledStore() {
    File file = new File(dir, "app.db");
    try (SqlLocalStore db = open(file, BUDGET)) {
      for (int n = 0; n < 20; n++) db.putWindow(URL, window(n, 50));
    }
    return file;
  }

  @Test
  void garbageFileIsMovedAsideAndRebuilt() throws Exception {
    File file = filledStore();
    byte[] garbage = new byte[64 * 1024];
    new Random(1).nextBytes(garbage);
    Files.write(file.toPath(), garbage);

    try (SqlLocalStore db = open(file, BUDGET)) {
      assertThat(db.window(URL, window(3, 1).id())).isNull();
      db.putWindow(URL, window(3, 5)); // usable again
      assertThat(db.window(URL, window(3, 1).id()).changes()).hasSize(5);
    }
    File[] aside = movedAside(file);
    assertThat(aside).hasSize(1);
    assertThat(Files.readAllBytes(aside[0].toPath())).isEqualTo(garbage);
  }

  @Test
  void truncatedFileIsMovedAsideAndRebuilt() throws Exception {
    File file = filledStore();
    long length = file.length();
    assertThat(length).isGreaterThan(100_000);
    try (RandomAccessFile raf = new RandomAccessFile(file, "rw")) {
      raf.setLength(length / 2);
    }
    try (SqlLocalStore db = open(file, BUDGET)) {
      for (int n = 0; n < 20; n++) assertThat(db.window(URL, window(n, 1).id())).isNull();
    }
    assertThat(movedAside(file)).hasSize(1);
  }

  @Test
  void olderSchemaIsMovedAsideAndRebuilt() throws Exception {
    File file = new File(dir, "old.db");
    execute(
        file,
        "CREATE TABLE windows (stream TEXT, body TEXT)",
        "PRAGMA user_version = " + (StoreSchema.VERSION - 1));
    try (SqlLocalStore db = open(file, BUDGET)) {
      db.putWindow(URL, window(1, 2));
      assertThat(db.window(URL, window(1, 2).id())).isNotNull();
    }
    assertThat(movedAside(file)).hasSize(1);
  }

  @Test
  void schemaOneFileWithoutAnOutboxIsMigratedInPlaceKeepingItsWindows() throws Exception {
    File file = storeWithOneWindow("v1.db");
    // What SqliteStore wrote before it kept an outbox: the same tables, version 1.
    execute(file, "DROP TABLE outbox", "DROP TABLE outbox_producers", "PRAGMA user_version = 1");
    try (SqlLocalStore db = open(file, BUDGET)) {
      assertThat(db.window(URL, window(1, 2).id()).changes()).isEqualTo(window(1, 2).changes());
      assertThat(db.addToOutbox(URL, "app", "[]").seq()).isZero();
      assertThat(db.outbox(URL)).hasSize(1);
    }
    assertThat(movedAside(file)).isEmpty();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.getPath());
        Statement s = c.createStatement();
        java.sql.ResultSet r = s.executeQuery("PRAGMA user_version")) {
      assertThat(r.next()).isTrue();
      assertThat(r.getInt(1)).isEqualTo(StoreSchema.VERSION);
    }
  }

  @Test
  void newerSchemaIsMovedAsideNotMisread() throws Exception {
    File file = storeWithOneWindow("new.db");
    execute(file, "PRAGMA user_version = " + (StoreSchema.VERSION + 1));
    try (SqlLocalStore db = open(file, BUDGET)) {
      assertThat(db.window(URL, window(1, 2).id())).isNull();
    }
    assertThat(movedAside(file)).hasSize(1);
  }

  @Test
  void storeWhoseDirectoryCannotBeCreatedIsATypedError() throws Exception {
    File notADirectory = new File(dir, "plain-file");
    Files.write(notADirectory.toPath(), new byte[] {1});
    assertThatThrownBy(() -> SqliteStore.open(new File(notADirectory, "app.db")))
        .isInstanceOfSatisfying(
            LocalStoreException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(LocalStoreException.Reason.NOT_WRITABLE);
              assertThat(e.getMessage()).contains("plain-file");
            });
  }

  @Test
  void storeInReadOnlyDirectoryIsATypedError() throws Exception {
    File readOnly = new File(dir, "ro");
    assertThat(readOnly.mkdir()).isTrue();
    assertThat(readOnly.setWritable(false, false)).isTrue();
    boolean mounted = false;
    try {
      if (readOnly.canWrite()) {
        // Root ignores permissions; a read-only file system stops it too (as on a device whose
        // storage went read-only). Needs mount rights: without them the case cannot be made.
        mounted = run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", readOnly.getPath());
        Assumptions.assumeTrue(
            mounted, "running as root without mount rights: cannot make a read-only directory");
      }
      assertThatThrownBy(() -> SqliteStore.open(new File(readOnly, "app.db")))
          .isInstanceOfSatisfying(
              LocalStoreException.class,
              e -> assertThat(e.reason()).isEqualTo(LocalStoreException.Reason.NOT_WRITABLE));
    } finally {
      if (mounted) assertThat(run("umount", readOnly.getPath())).as("unmounted").isTrue();
      readOnly.setWritable(true, false);
    }
  }

  private static boolean run(String... command) throws InterruptedException {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      return process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (java.io.IOException noSuchCommand) {
      return false;
    }
  }

  @Test
  void fullDiskIsATypedErrorAndLosesNothingAlreadyStored() throws Exception {
    File file = new File(dir, "full.db");
    try (SqlLocalStore db = open(file, BUDGET)) {
      db.putWindow(URL, window(0, 10));
      db.putLiveWindow(URL, liveWindow(Collections.emptyList()));
      db.maxPageCountForTest(db.pageCountForTest()); // no room for one more page: SQLITE_FULL
      assertThatThrownBy(() -> db.putWindow(URL, window(1, 200)))
          .isInstanceOfSatisfying(
              LocalStoreException.class,
              e -> assertThat(e.reason()).isEqualTo(LocalStoreException.Reason.DISK_FULL));
      List<Change> batch = window(2, 200).changes();
      assertThatThrownBy(
              () ->
                  db.appendLive(URL, "-1", Offset.of("0_00000000"), batch, batch.get(199).offset()))
          .isInstanceOf(LocalStoreException.class);
      // The failed transactions left nothing half-written.
      assertThat(db.window(URL, window(1, 1).id())).isNull();
      assertThat(db.liveWindow(URL).changes()).isEmpty();
      assertThat(db.window(URL, window(0, 1).id()).changes()).hasSize(10);
    }
  }

  @Test
  void secondStoreOnTheSameFileIsRefusedWithAClearError() {
    File file = new File(dir, "shared.db");
    try (SqliteStore first = SqliteStore.open(file)) {
      assertThatThrownBy(() -> SqliteStore.open(file))
          .isInstanceOfSatisfying(
              LocalStoreException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(LocalStoreException.Reason.IN_USE);
                assertThat(e.getMessage()).contains("share one store");
              });
      first.putWindow(URL, window(1, 1)); // the first is unharmed
    }
    try (SqliteStore again = SqliteStore.open(file)) { // closing released the file
      assertThat(again.window(URL, window(1, 1).id())).isNotNull();
    }
  }

  @Test
  void committedWindowsBeyondTheBudgetAreEvictedLeastRecentlyUsedFirst() {
    File file = new File(dir, "budget.db");
    long oneWindow;
    try (SqlLocalStore probe = open(new File(dir, "probe.db"), BUDGET)) {
      probe.putWindow(URL, window(0, 20));
      oneWindow = probe.committedBytes();
    }
    try (SqlLocalStore db = open(file, oneWindow * 3)) {
      db.putLiveWindow(URL, liveWindow(window(9, 20).changes()));
      db.putWindow(URL, window(0, 20));
      db.putWindow(URL, window(1, 20));
      db.putWindow(URL, window(2, 20));
      assertThat(db.window(URL, window(0, 1).id())).isNotNull(); // 0 is now more recent than 1
      db.putWindow(URL, window(3, 20));
      assertThat(db.committedBytes()).isLessThanOrEqualTo(oneWindow * 3);
      assertThat(db.window(URL, window(1, 1).id())).as("least recently used").isNull();
      assertThat(db.window(URL, window(0, 1).id())).isNotNull();
      assertThat(db.window(URL, window(2, 1).id())).isNotNull();
      assertThat(db.window(URL, window(3, 1).id())).isNotNull();
      assertThat(db.liveWindow(URL).changes()).as("the live window is never evicted").hasSize(20);
    }
    try (SqlLocalStore reopened = open(file, oneWindow * 3)) {
      assertThat(reopened.committedBytes()).isEqualTo(oneWindow * 3);
    }
  }
}
