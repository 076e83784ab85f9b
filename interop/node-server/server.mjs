// The Durable Streams Node reference server with its file store, for the interop tests:
//   node server.mjs DATA_DIR
// Prints "listening <url>" once it serves on 127.0.0.1 (a free port), and stops when its standard
// input ends (the test closed it, or died).
import { DurableStreamTestServer } from '@durable-streams/server';

const dataDir = process.argv[2];
const server = new DurableStreamTestServer({ port: 0, host: '127.0.0.1', dataDir, longPollTimeout: 3000 });
const url = await server.start();
console.log('listening ' + url);
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.stop();
  process.exit(0);
});
