# Mirrors .ci/run's install and build steps: npm ci, then tsc.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
USER nonroot
EXPOSE 8443 8888 9090
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/src/main.js"]
