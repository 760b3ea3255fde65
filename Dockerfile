# Gangplank's image: one program, two roles (`gangplank webhook`, `gangplank
# extender`); the chart passes the role and flags as args. Build it with
# `npm run image` (scripts/image.sh). Only the shipped program goes in:
# dist/src, the production node_modules and package.json ("type": "module",
# and src/version.ts reads the version from it). The local-cluster harness
# (dev/), tests and benchmarks are neither compiled nor copied.

# Node 24 is the active LTS; the code also runs on Node 20 (engines >=20.11),
# where the tests run.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.image.json ./
COPY src ./src
RUN npx tsc -p tsconfig.image.json && npm prune --omit=dev --no-audit --no-fund

FROM gcr.io/distroless/nodejs24-debian12
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# Numeric, so that the kubelet can check runAsNonRoot without a passwd lookup
# ("container has runAsNonRoot and image has non-numeric user"). The chart's
# securityContext uses the same uid:gid; test/e2e/chart.test.ts keeps them in step.
USER 65532:65532
EXPOSE 8443 8888 9090
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/src/main.js"]
