package dev.rstream.android;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import android.database.sqlite.SQLiteDatabase;
import dev.rstream.Change;
import dev.rstream.Keyframe;
import dev.rstream.LocalStore.StoredWindow;
import dev.rstream.LocalStoreException;
import dev.rstream.Offset;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;

/**
 * What {@link AndroidSqliteStore} adds to the contract, on Android's SQLite classes: WAL, the file
 * lock, bad files moved aside, a full disk, the byte budget.
 */
@RunWith(RobolectricTestRunner.class)
public class AndroidSqliteStoreTest {
  private static final String URL = "http://host/v1/stream/s";

  private final List<AndroidSqliteStore> opened = new ArrayList<>();
  private File dir;
  private File file;

  @Before
  public void setUp() {
    dir = new File(RuntimeEnvironment.getApplication().getFilesDir(), "stores");
    file = new File(dir, "store.db");
  }

  @After
  public void closeStores() {
    for (AndroidSqliteStore store : opened) store.close();
  }

  private AndroidSqliteStore open(AndroidSqliteStore.Builder builder) {
    AndroidSqliteStore store = builder.build();
    opened.add(store);
    return store;
  }

  private AndroidSqliteStore open() {
    return open(AndroidSqliteStore.builder().file(file));
  }

  private static StoredWindow window(int n, int changes) {
    List<Change> list = new ArrayList<>();
    for (int i = 0; i < changes; i++) {
      list.add(
          Change.update("item", "k" + i, "{\"v\":\"" + "x".repeat(100) + "\"}")
              .newBuilder()
              .offset(Offset.of(n + "_" + (100 + i)))
              .build());
    }
    return StoredWindow.of(
        Keyframe.of(Offset.of(n + "_000"), Instant.ofEpochSecond(1_700_000_000L + n)),
        Keyframe.of(Offset.of((n + 1) + "_000"), Instant.ofEpochSecond(1_700_000_001L + n)),
        Offset.of(n + "_001"),
        Collections.emptyList(),
        list);
  }

  /** A database of another program in the store's file: {@code statements} at {@code version}. */
  private void writeDatabase(int version, String... statements) {
    assertThat(dir.mkdirs()).isTrue();
    SQLiteDatabase other = SQLiteDatabase.openOrCreateDatabase(file, null);
    for (String statement : statements) other.execSQL(statement);
    other.setVersion(version);
    other.close();
  }

  /**
   * Asserts that {@code store}, opened on a file it could not use, keeps a window, and that the
   * file was moved aside, once; returns the file moved aside.
   */
  private File[] assertRebuiltWithTheFileMovedAside(AndroidSqliteStore store) {
    store.putWindow(URL, window(1, 1));
    assertThat(store.window(URL, "1_000")).isNotNull();
    File[] aside = dir.listFiles((d, name) -> name.matches("store\\.db\\.corrupt-\\d+"));
    assertThat(aside).hasSize(1);
    return aside;
  }

  @Test
  public void writesInWalModeAndKeepsWhatItStoredAcrossARestart() {
    AndroidSqliteStore store = open();
    store.putWindow(URL, window(1, 3));
    assertThat(new File(file.getPath() + "-wal")).exists();
    store.close();
    AndroidSqliteStore again = open();
    assertThat(again.window(URL, "1_000").changes()).isEqualTo(window(1, 3).changes());
    assertThat(again.committedBytes()).isEqualTo(store.committedBytes()).isPositive();
  }

  @Test
  public void aSecondOpenOfTheSameFileIsRefusedUntilTheFirstCloses() {
    AndroidSqliteStore first = open();
    assertThatThrownBy(this::open)
        .isInstanceOfSatisfying(
            LocalStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(LocalStoreException.Reason.IN_USE));
    first.close();
    open().putWindow(URL, window(1, 1));
  }

  @Test
  public void aCorruptFileIsMovedAsideAndRebuilt() throws Exception {
    assertThat(dir.mkdirs()).isTrue();
    byte[] garbage =
        "this is not a SQLite database, only some text long enough to look like a header"
            .repeat(100)
            .getBytes(StandardCharsets.UTF_8);
    Files.write(file.toPath(), garbage);

    AndroidSqliteStore store = open();
    assertThat(store.window(URL, "1_000")).isNull();
    File[] aside = assertRebuiltWithTheFileMovedAside(store);
    assertThat(Files.readAllBytes(aside[0].toPath())).isEqualTo(garbage);
  }

  @Test
  public void aSchemaOneFileWithoutAnOutboxIsMigratedInPlaceKeepingItsWindows() {
    AndroidSqliteStore store = open();
    store.putWindow(URL, window(1, 3));
    store.close();
    // What this store wrote before it kept an outbox: the same tables, version 1.
    SQLiteDatabase old = SQLiteDatabase.openOrCreateDatabase(file, null);
    old.execSQL("DROP TABLE outbox");
    old.execSQL("DROP TABLE outbox_producers");
    old.setVersion(1);
    old.close();

    AndroidSqliteStore migrated = open();
    assertThat(migrated.window(URL, "1_000").changes()).isEqualTo(window(1, 3).changes());
    assertThat(migrated.addToOutbox(URL, "app", "[]").seq()).isEqualTo(0);
    assertThat(migrated.outbox(URL)).hasSize(1);
    assertThat(dir.listFiles((d, name) -> name.contains(".corrupt-"))).isEmpty();
    migrated.close();
    SQLiteDatabase after = SQLiteDatabase.openOrCreateDatabase(file, null);
    assertThat(after.getVersion()).isEqualTo(2);
    after.close();
  }

  @Test
  public void aSchemaOneFileWithOtherTablesIsMovedAsideNotMigrated() {
    writeDatabase(1, "CREATE TABLE windows (stream TEXT)");

    assertRebuiltWithTheFileMovedAside(open());
  }

  @Test
  public void aFileOfAnotherSchemaVersionIsMovedAsideAndRebuilt() {
    writeDatabase(7, "CREATE TABLE windows (stream TEXT)", "INSERT INTO windows VALUES ('old')");

    assertRebuiltWithTheFileMovedAside(open());
  }

  @Test
  public void aFullDiskIsATypedFailureAndTheStoreGoesOnAfterIt() {
    AndroidSqliteStore store = open();
    store.putWindow(URL, window(1, 1));
    long size = store.sizeForTest();
    store.maxSizeForTest(size);

    assertThatThrownBy(() -> store.putWindow(URL, window(2, 500)))
        .isInstanceOfSatisfying(
            LocalStoreException.class,
            e -> assertThat(e.reason()).isEqualTo(LocalStoreException.Reason.DISK_FULL));
    assertThat(store.window(URL, "2_000")).isNull();

    store.maxSizeForTest(size * 100);
    store.putWindow(URL, window(2, 500));
    assertThat(store.window(URL, "2_000").changes()).hasSize(500);
    assertThat(store.window(URL, "1_000")).isNotNull();
  }

  @Test
  public void committedWindowsStayWithinTheBudgetLeastRecentlyUsedEvictedFirst() {
    AndroidSqliteStore probe = open(AndroidSqliteStore.builder().file(new File(dir, "probe.db")));
    probe.putWindow(URL, window(1, 10));
    long one = probe.committedBytes();

    AndroidSqliteStore store =
        open(AndroidSqliteStore.builder().file(file).maxWindowBytes(3 * one));
    store.putWindow(URL, window(1, 10));
    store.putWindow(URL, window(2, 10));
    store.putWindow(URL, window(3, 10));
    assertThat(store.window(URL, "1_000")).isNotNull(); // window 2 is now the least recently used
    store.putWindow(URL, window(4, 10));

    assertThat(store.committedBytes()).isLessThanOrEqualTo(3 * one);
    assertThat(store.window(URL, "2_000")).isNull();
    assertThat(store.window(URL, "1_000")).isNotNull();
    assertThat(store.window(URL, "3_000")).isNotNull();
    assertThat(store.window(URL, "4_000")).isNotNull();
  }

  @Test
  public void aLiveBatchIsStoredWithItsOffsetInOneTransaction() {
    AndroidSqliteStore store = open();
    store.putLiveWindow(
        URL,
        StoredWindow.of(
            null, null, Offset.of("0_001"), Collections.emptyList(), Collections.emptyList()));
    List<Change> batch =
        Arrays.asList(
            Change.insert("item", "a", "1").newBuilder().offset(Offset.of("0_010")).build(),
            Change.insert("item", "b", "2").newBuilder().offset(Offset.of("0_020")).build());
    assertThat(
            store.appendLive(
                URL, Offset.START.value(), Offset.of("0_001"), batch, Offset.of("0_020")))
        .isTrue();
    // A batch too big for the disk leaves the window where it was: neither rows nor offset move.
    store.maxSizeForTest(store.sizeForTest());
    List<Change> big = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      big.add(
          Change.insert("item", "k" + i, "\"" + "y".repeat(200) + "\"")
              .newBuilder()
              .offset(Offset.of("1_" + (100 + i)))
              .build());
    }
    assertThatThrownBy(
            () ->
                store.appendLive(
                    URL, Offset.START.value(), Offset.of("0_020"), big, Offset.of("1_599")))
        .isInstanceOf(LocalStoreException.class);
    store.close();

    AndroidSqliteStore again = open();
    assertThat(again.liveWindow(URL).changes()).isEqualTo(batch);
    assertThat(
            again.appendLive(
                URL, Offset.START.value(), Offset.of("0_020"), big, Offset.of("1_599")))
        .isTrue();
  }
}
