/**
 * Node flags of every service process: network.ts starts them with these (npm start, the tests, the
 * bench), and docker-compose.yml, k8s/ and the image's CMD run `node <flags> dist/apps/<app>/src/main.js`
 * (deployment.spec.ts checks the commands). Measured with `npm run bench`, means of alternating runs:
 * - 32 MiB semi-spaces instead of 16: the services allocate a short-lived object graph per request and per
 *   block, and fewer scavenges cost less CPU (0.140 against 0.147 ms of CPU per batched transfer, 2.08
 *   against 2.15 ms per single one; 64 MiB did worse than 32);
 * - single-threaded garbage collection: eight processes share two cores, and V8's helper threads for
 *   parallel scavenges and concurrent marking only compete with the other processes (single transfers
 *   878 against 819/s, 1.84 against 1.98 ms of CPU each; batches unchanged). It is not allowed in
 *   NODE_OPTIONS, hence the commands.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32', '--single-threaded-gc'];
