# syntax=docker/dockerfile:1.7
# The web app's image: the production build (web/dist) served by nginx as static files, with the app's
# client-side routes falling back to index.html. The ingress routes /api/<service>/ to the services and
# everything else here.
#   docker build -f deploy/docker/web.Dockerfile -t matjip-web .
# Runs as uid 101 (nginx's own) on a read-only root filesystem with only /tmp writable, port 8080.

ARG NODE_IMAGE=node:20.19.5-bookworm-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.28.0-alpine

# --- build: npm ci from the committed lock, then vite build (which fails over the JavaScript budget) ---
FROM ${NODE_IMAGE} AS build
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# --- runtime: nginx and the build, nothing else ---
FROM ${NGINX_IMAGE} AS runtime
COPY deploy/docker/web-nginx.conf /etc/nginx/nginx.conf
COPY --from=build /web/dist /usr/share/nginx/html
USER 101:101
EXPOSE 8080
# Kubernetes ignores HEALTHCHECK (it has its own probes); docker/compose users get the same check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/health/live"]
CMD ["nginx", "-g", "daemon off;"]
