package dev.rstream;

import java.io.File;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;

/**
 * The suite every {@link LocalStore} passes: they must behave the same. A store extends it with
 * {@link #newStore()}, or, kept in a file, with {@link #LocalStoreContractTest(Opener)} and {@link
 * #directory()} (then the outbox's tests reopen its files); a store in another module gets it from
 * the sdk's test-jar ({@code rstream-sdk}, type {@code test-jar}, test scope).
 *
 * <p>The cases are written in {@link LocalStoreWindowContract} and {@link LocalStoreOutboxContract}
 * and run here as the nested {@link Windows} and {@link Outbox}: a store that extends this class
 * runs both, and a case added to either is run for every store. Every store this class opened is
 * closed after each test.
 */
public abstract class LocalStoreContractTest {
  static final String URL = "http://host/v1/stream/s";
  static final String OTHER = "http://host/v1/stream/other";

  /** Opens (or creates) a store in a file. */
  public interface Opener {
    LocalStore open(File file) throws Exception;
  }

  private final @Nullable Opener opener;
  private final List<AutoCloseable> opened = new ArrayList<>();

  private final Map<LocalStore, File> files = new IdentityHashMap<>();
  private int created;

  /** The contract for a store that overrides {@link #newStore()}. */
  protected LocalStoreContractTest() {
    this.opener = null;
  }

  /**
   * The contract for a store kept in a file: {@code opener} opens (or creates) one, in a new file
   * of {@link #directory()} for each {@link #newStore()}.
   */
  protected LocalStoreContractTest(Opener opener) {
    this.opener = opener;
  }

  /**
   * A new, empty store, on each call. One that is {@link AutoCloseable} is closed after the test.
   * By default a store {@linkplain Opener opened} in a new file of {@link #directory()}.
   */
  protected LocalStore newStore() throws Exception {
    File file = new File(directory(), "contract-" + (created++) + ".db");
    LocalStore store = open(file);
    files.put(store, file);
    return store;
  }

  /**
   * Closes {@code store} (one {@link #newStore()} returned) and opens its file again. Required of a
   * store that {@linkplain LocalStore#keepsOutbox keeps an outbox}; by default it opens the file
   * again with the {@link Opener}.
   */
  protected LocalStore reopen(LocalStore store) throws Exception {
    File file = files.get(store);
    if (file == null) throw new UnsupportedOperationException("not a store in a file: " + store);
    ((AutoCloseable) store).close();
    LocalStore again = open(file);
    files.put(again, file);
    return again;
  }

  private LocalStore open(File file) throws Exception {
    if (opener == null) throw new UnsupportedOperationException(NO_STORE);
    return opener.open(file);
  }

  /** Where {@link #newStore()} makes the files of the stores it {@linkplain Opener opens}. */
  protected File directory() {
    throw new UnsupportedOperationException(NO_STORE);
  }

  private static final String NO_STORE =
      "override newStore(), or give an Opener and override directory()";

  /** A new store, closed after the test. */
  final LocalStore open() throws Exception {
    LocalStore store = newStore();
    if (store instanceof AutoCloseable) opened.add((AutoCloseable) store);
    return store;
  }

  /** {@code store} closed and opened again, the new one closed after the test. */
  final LocalStore reopened(LocalStore store) throws Exception {
    LocalStore again = reopen(store);
    if (again instanceof AutoCloseable) opened.add((AutoCloseable) again);
    return again;
  }

  /** A new store that keeps an outbox; the test is skipped for one that does not. */
  final LocalStore openWithOutbox() throws Exception {
    LocalStore store = open();
    Assumptions.assumeTrue(store.keepsOutbox(), "this store keeps no outbox");
    return store;
  }

  @AfterEach
  public void closeStores() throws Exception {
    for (AutoCloseable c : opened) c.close();
  }

  /** The contract's cases on windows, the keyframe index and the producer, for this store. */
  @Nested
  public class Windows extends LocalStoreWindowContract {
    public Windows() {
      super(LocalStoreContractTest.this);
    }
  }

  /** The contract's cases on the outbox, for this store. */
  @Nested
  public class Outbox extends LocalStoreOutboxContract {
    public Outbox() {
      super(LocalStoreContractTest.this);
    }
  }
}
