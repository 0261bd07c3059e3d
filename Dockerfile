# roost + the bundled example (an nginx TLS front) as one image.
#   docker build -t tls-front .
#   docker run -p 8443:8443 -v tls-front-data:/hab/svc/tls-front/data tls-front

# 1. Build a fully static roost in the official Swift image.
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
# Package.swift also declares the test and benchmark targets: SwiftPM checks
# that their folders exist even when it builds only `roost`.
COPY Tests ./Tests
COPY Benchmarks ./Benchmarks
RUN swift build -c release -Xswiftc -static-executable --product roost \
 && install -m 0755 "$(swift build -c release --show-bin-path)/roost" /usr/local/bin/roost

# 2. Runtime: slim Debian with nginx, the static roost and the example package.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 42 hab \
 && useradd --system --uid 42 --gid hab --no-create-home --shell /usr/sbin/nologin hab
COPY --from=build /usr/local/bin/roost /usr/local/bin/roost
COPY plan.sh default.toml /hab/plans/tls-front/
COPY config /hab/plans/tls-front/config
COPY hooks /hab/plans/tls-front/hooks
# The key and certificate live here: mount a persistent volume (EFS, a PVC).
VOLUME /hab/svc/tls-front/data
EXPOSE 8443
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["roost", "health"]
ENTRYPOINT ["roost", "start"]
CMD ["/hab/plans/tls-front"]
