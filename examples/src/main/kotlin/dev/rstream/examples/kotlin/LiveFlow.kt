package dev.rstream.examples.kotlin

import dev.rstream.RStreamClient
import dev.rstream.StateView
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.distinctUntilChanged
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.reactive.asFlow

/**
 * The client's live state as a Kotlin [Flow], through kotlinx-coroutines-reactive: collecting it
 * subscribes to [RStreamClient.live] (every collector shares the client's one live connection), and
 * cancelling the collector (its scope ends, a `take` is satisfied, an error) cancels that
 * subscription; when the last one leaves, the client closes the connection after its `liveLinger`.
 * Cold like `live()`: each collection subscribes anew. Emits on the client's I/O thread; use
 * `flowOn` / `withContext` to move work elsewhere.
 */
fun RStreamClient.liveFlow(): Flow<StateView> = live().asFlow()

/** How many entities of [type] the live state holds, each time that number changes. */
fun RStreamClient.countOf(type: String): Flow<Int> =
    liveFlow().map { it.entities(type).size }.distinctUntilChanged()

/**
 * The value of one entity as JSON, or "absent". The sdk's nullness is Kotlin's through its JSpecify
 * annotations: [StateView.json] is `@Nullable`, so it is `String?` here and the compiler makes the
 * caller handle null; [StateView.entities] is not, so it is a plain `Map<String, String>`.
 */
fun StateView.jsonOrAbsent(type: String, key: String): String = json(type, key) ?: "absent"
