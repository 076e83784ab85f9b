package dev.rstream.examples.kotlin

import dev.rstream.RStreamClient
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.runBlocking

/**
 * Prints the number of orders of a state stream each time it changes, [args] `STREAM_URL [COUNT]`:
 * the first COUNT numbers (10 by default), then ends. `take` cancels the collection, which releases
 * the live connection before the client closes.
 */
fun main(args: Array<String>) {
  require(args.isNotEmpty()) { "usage: LiveOrders STREAM_URL [COUNT]" }
  val count = if (args.size > 1) args[1].toInt() else 10
  RStreamClient.builder().streamUrl(args[0]).build().use { client ->
    runBlocking { client.countOf("order").take(count).collect { println("orders: $it") } }
  }
}
