package dev.rstream.examples.kotlin

import dev.rstream.Change
import dev.rstream.Progress
import dev.rstream.RStreamClient
import dev.rstream.testing.StubServerExtension
import java.time.Duration
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.extension.RegisterExtension

/** live() as a Kotlin Flow against the real server-stub: cancelling the collector lets go of the connection. */
class LiveFlowTest {
  // A short SSE heartbeat, so the server notices a closed connection soon after the client drops it.
  @JvmField
  @RegisterExtension
  val server: StubServerExtension =
      StubServerExtension.configured { it.sseHeartbeat(Duration.ofMillis(200)) }

  private val clients = mutableListOf<RStreamClient>()

  @AfterEach
  fun stop() {
    clients.forEach { it.close() }
  }

  private fun client(url: String): RStreamClient =
      RStreamClient.builder()
          .streamUrl(url)
          .okHttpClient(server.http())
          .liveLinger(0, TimeUnit.SECONDS)
          .build()
          .also { clients.add(it) }

  /** Polls [condition] every 10 ms until it holds; fails after 10 s. */
  private suspend fun awaitTrue(what: String, condition: () -> Boolean) {
    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
    while (!condition()) {
      check(System.nanoTime() < deadline) { "not within 10 s: $what" }
      delay(10)
    }
  }

  @Test
  fun cancellingTheCollectorReleasesTheLiveConnection(): Unit = runBlocking {
    val url = server.createStateStream("kotlin/orders", "changes=1000, interval=3600s")
    val client = client(url)
    val counts = Channel<Int>(Channel.UNLIMITED)
    val collector = launch(Dispatchers.IO) { client.countOf("order").collect { counts.send(it) } }

    assertThat(withTimeout(10_000) { counts.receive() }).isEqualTo(0)
    awaitTrue("the live connection is open") { server.server().liveReaders() == 1 }
    client.append(Change.insert("order", "o1", "{\"qty\":1}")).blockingGet()
    assertThat(withTimeout(10_000) { counts.receive() }).isEqualTo(1)

    collector.cancelAndJoin()
    awaitTrue("the client closed its live read") {
      client.progress().blockingFirst().live() == Progress.Live.IDLE
    }
    awaitTrue("the server holds no live reader") { server.server().liveReaders() == 0 }
    assertThat(counts.tryReceive().getOrNull()).isNull()
  }

  @Test
  fun nullableValuesOfTheApiAreNullableInKotlin(): Unit = runBlocking {
    val url = server.createStateStream("kotlin/nullness", "changes=1000, interval=3600s")
    val client = client(url)
    val offset = client.append(Change.insert("order", "o1", "{\"qty\":2}")).blockingGet()
    client.awaitOffset(offset).blockingAwait(10, TimeUnit.SECONDS)
    val view = client.state().blockingGet()
    assertThat(view.jsonOrAbsent("order", "o1")).isEqualTo("{\"qty\":2}")
    assertThat(view.jsonOrAbsent("order", "o2")).isEqualTo("absent")
  }
}
