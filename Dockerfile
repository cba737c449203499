# syntax=docker/dockerfile:1
#
# duoadmin image: docker build -t duoadmin . && docker run -p 8080:8080 -v duoadmin-data:/data duoadmin
# The SQLite database lives in the /data volume (owned by the nonroot user,
# uid 65532; a bind-mounted host directory must be writable by that uid).
# Set DATABASE_URL=postgres://... to use Postgres instead.

# 1. Front-end assets: GitLab UI CSS, the GitLab SVG icon sprite and GitLab
#    Sans/Mono, pinned by package-lock.json (same steps as `make assets`; the
#    tests' axe-core is a devDependency and is not copied).
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --legacy-peer-deps --no-audit --no-fund
RUN install -D -m 0644 node_modules/@gitlab/ui/dist/index.css static/vendor/gitlab-ui/index.css \
 && install -D -m 0644 node_modules/@gitlab/ui/dist/tailwind.css static/vendor/gitlab-ui/tailwind.css \
 && install -D -m 0644 node_modules/@gitlab/svgs/dist/icons.svg static/vendor/gitlab-svgs/icons.svg \
 && for f in GitLabSans GitLabSans-Italic; do install -D -m 0644 node_modules/@gitlab/fonts/gitlab-sans/$f.woff2 static/vendor/gitlab-fonts/$f.woff2; done \
 && for f in GitLabMono GitLabMono-Italic; do install -D -m 0644 node_modules/@gitlab/fonts/gitlab-mono/$f.woff2 static/vendor/gitlab-fonts/$f.woff2; done

# 2. Go binary: pure Go (SQLite driver included), static, assets embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /src/static/vendor ./static/vendor
RUN go tool templ generate
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/duoadmin ./cmd/duoadmin \
 && mkdir -p /out/data

# 3. Runtime: distroless static, non-root.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/duoadmin /usr/local/bin/duoadmin
COPY --from=build --chown=65532:65532 /out/data /data
ENV LISTEN_ADDR=0.0.0.0:8080 \
    DATABASE_URL=sqlite:/data/duoadmin.db
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/duoadmin"]
CMD ["serve"]
