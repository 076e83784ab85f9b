package dev.rstream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rstream.testing.StubServerExtension;
import dev.rstream.testing.UndeliveredRxErrors;
import io.reactivex.rxjava3.core.Single;
import io.reactivex.rxjava3.disposables.Disposable;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** live() shows this app's pending appends over the confirmed state, without flicker. */
@ExtendWith(UndeliveredRxErrors.class)
class OptimisticViewTest {
  @TempDir Path dir;

  final StubServerExtension server =
      StubServerExtension.configured(builder -> builder.dataDir(dir.resolve("server")));

  @RegisterExtension final ServerClients clients = new ServerClients(server);

  private int stores;

  private RStreamClient client(String url, boolean withStore) {
    RStreamClient.Builder builder =
        clients
            .onServer(url)
            .retryPolicy(
                RetryPolicy.builder()
                    .initialDelay(10, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .maxDelay(200, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .build());
    if (withStore) builder.store(clients.store(new File(dir.toFile(), "app" + stores++ + ".db")));
    return clients.client(builder);
  }

  @Test
  void pendingChangesAcknowledgedOneByOneAgainstRemoteChangesNeverShowAValueGoingBack()
      throws Exception {
    String url = server.createStateStream("views/flicker", "changes=100000, interval=3600s");
    RStreamClient app = client(url, true);
    RStreamClient remote = client(url, false);
    List<StateView> seen = new CopyOnWriteArrayList<>();
    Disposable live = app.live().subscribe(seen::add);
    remote.append(Change.update("item", "e0", "{\"by\":\"remote\",\"n\":-1}")).blockingGet();

    List<Single<Offset>> mine = new ArrayList<>();
    Thread other =
        new Thread(
            () -> {
              for (int i = 0; i < 100; i++) {
                remote
                    .append(
                        Change.update("item", "e" + (i % 5), "{\"by\":\"remote\",\"n\":" + i + "}"))
                    .blockingGet();
              }
            });
    other.start();
    for (int i = 0; i < 100; i++) {
      mine.add(
          app.append(Change.update("item", "e" + (i % 5), "{\"by\":\"app\",\"n\":" + i + "}")));
    }
    Single.merge(mine).ignoreElements().timeout(60, SECONDS).blockingAwait();
    other.join(60_000);
    Offset tail = remote.append(Change.update("item", "end", "{}")).blockingGet();
    long deadline = System.nanoTime() + SECONDS.toNanos(30);
    while (true) {
      StateView last = seen.get(seen.size() - 1);
      if (last.offset().compareTo(tail) >= 0 && !last.hasPendingWrites()) break;
      assertThat(System.nanoTime()).as("the live view reached the tail").isLessThan(deadline);
      Thread.sleep(10);
    }
    live.dispose();

    assertThat(seen).as("some views showed pending writes").anyMatch(StateView::hasPendingWrites);
    // A value once replaced never comes back: what a revert-then-echo flicker would show.
    for (int e = 0; e < 5; e++) {
      String key = "e" + e;
      List<String> shown = new ArrayList<>();
      for (StateView view : seen) {
        String value = view.json("item", key);
        if (value == null) continue;
        if (shown.isEmpty() || !shown.get(shown.size() - 1).equals(value)) {
          assertThat(shown)
              .as("%s went back to %s after %s", key, value, shown)
              .doesNotContain(value);
          shown.add(value);
        }
      }
    }
    StateView last = seen.get(seen.size() - 1);
    Map<String, String> server = new HashMap<>(remote.state().blockingGet().entities("item"));
    assertThat(last.entities("item")).isEqualTo(server);
  }

  @Test
  void offlineAppendsShowAtOnceWithTheConfirmedValueBesideAndLeaveWithTheirEcho() throws Exception {
    String url = server.createStateStream("views/offline", "changes=100000, interval=3600s");
    RStreamClient app = client(url, true);
    Offset first = app.append(Change.update("item", "a", "{\"n\":0}")).blockingGet();
    List<StateView> seen = new CopyOnWriteArrayList<>();
    Disposable live = app.live().subscribe(seen::add);
    app.awaitOffset(first).timeout(10, SECONDS).blockingAwait();
    server.stop();

    app.append(Change.update("item", "a", "{\"n\":1}"));
    app.append(Change.update("item", "b", "{\"n\":2}"));
    StateView offline = seen.get(seen.size() - 1);
    assertThat(offline.hasPendingWrites()).isTrue();
    assertThat(offline.pendingChanges()).hasSize(2);
    assertThat(offline.json("item", "a")).isEqualTo("{\"n\":1}");
    assertThat(offline.confirmedJson("item", "a")).isEqualTo("{\"n\":0}");
    assertThat(offline.json("item", "b")).isEqualTo("{\"n\":2}");
    assertThat(offline.confirmedJson("item", "b")).isNull();
    assertThat(app.outboxSize().blockingFirst()).isEqualTo(2);

    server.startAgain();
    app.resume();
    long deadline = System.nanoTime() + SECONDS.toNanos(30);
    while (seen.get(seen.size() - 1).hasPendingWrites()
        || seen.get(seen.size() - 1).confirmedJson("item", "b") == null) {
      assertThat(System.nanoTime()).as("flushed and echoed").isLessThan(deadline);
      Thread.sleep(10);
    }
    live.dispose();
    StateView done = seen.get(seen.size() - 1);
    assertThat(done.json("item", "a")).isEqualTo("{\"n\":1}");
    assertThat(done.json("item", "b")).isEqualTo("{\"n\":2}");
    assertThat(app.outboxSize().blockingFirst()).isZero();
  }
}
