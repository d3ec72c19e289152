/**
 * Node flags of every service process that network.ts starts (npm start, the tests, the bench) and of the
 * image (k8s/Dockerfile sets them as NODE_OPTIONS for docker-compose.yml and k8s/; deployment.spec.ts
 * checks that the two agree). A young generation of 32 MiB semi-spaces instead of 16: the services
 * allocate a short-lived object graph per request and per block (a finalized block parses to thousands of
 * objects), and fewer scavenges cost less CPU (`npm run bench`, alternating runs: 0.140 against 0.147 ms
 * of CPU per batched transfer, 2.08 against 2.15 ms per single one).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
