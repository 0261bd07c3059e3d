# roost + the bundled example (an nginx TLS front) as one image.
#   docker build -t tls-front .
#   docker run -p 8443:8443 -v tls-front-data:/hab/svc/tls-front/data tls-front
# Hardened (read-only root, every capability dropped but the five roost needs):
#   docker run --read-only --tmpfs /hab/svc/tls-front:exec,mode=0755 \
#     --cap-drop ALL --cap-add CHOWN --cap-add DAC_OVERRIDE --cap-add SETUID --cap-add SETGID --cap-add KILL \
#     --security-opt no-new-privileges -p 8443:8443 -v tls-front-data:/hab/svc/tls-front/data tls-front
# As the service user, no capability at all:
#   docker build --target service-user -t tls-front:service-user .
#   docker run --read-only --cap-drop ALL --security-opt no-new-privileges \
#     -p 8443:8443 tls-front:service-user
# See the README ("The container image") for when to choose which.

# 1. A fully static, stripped roost, built with the dependency versions that
#    Package.swift pins (the ones the tests ran with). A test or a CI that has
#    already built the binary replaces this stage with a folder holding it:
#    podman build --build-context roost-binary=DIR (DIR/roost).
FROM swift:6.3-bookworm AS swift-build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
# Package.swift also declares the test and benchmark targets: SwiftPM checks
# that their folders exist even when it builds only `roost`.
COPY Tests ./Tests
COPY Benchmarks ./Benchmarks
# The one place for the static build's flags (static, --gc-sections, stripped,
# the functions a start runs placed side by side by start-order.txt).
COPY scripts/build-static.sh scripts/start-order.txt ./scripts/
RUN cp "$(scripts/build-static.sh)" /roost

FROM scratch AS roost-binary
COPY --from=swift-build /roost /roost

# 2. Runtime: slim Debian with nginx, the static roost and the example package.
FROM debian:bookworm-slim AS runtime
# checkov:skip=CKV_DOCKER_3: roost starts as root only to give the service user its directories, then runs nginx and every hook as hab; `--user 10042:10042` runs it all as hab (README)
# The service user. 10042 is free in Debian (its static ids stop at 99 and
# dynamic system ids at 999) and above 10000, where no host user collides;
# deploy/ecs and deploy/kubernetes use the same number.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light curl ca-certificates \
 && apt-get clean && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10042 hab \
 && useradd --system --uid 10042 --gid hab --no-create-home --shell /usr/sbin/nologin hab
COPY --from=roost-binary /roost /usr/local/bin/roost
COPY plan.sh default.toml /hab/plans/tls-front/
COPY config /hab/plans/tls-front/config
COPY hooks /hab/plans/tls-front/hooks
# The data directory belongs to the service user before VOLUME: a new volume
# (named or anonymous) copies this owner and mode, so the init hook, which
# runs as hab, can create the key there. An existing volume keeps its owner,
# as with the Supervisor.
RUN install -d -m 0755 /hab/svc/tls-front \
 && install -d -m 0770 -o hab -g hab /hab/svc/tls-front/data
# The key and certificate live here: mount a persistent volume (EFS, a PVC).
VOLUME /hab/svc/tls-front/data
EXPOSE 8443
STOPSIGNAL SIGTERM
# `roost health` only reads the result of roost's own last check (a few
# milliseconds), so the engine may ask often. roost retries a failing check
# every second until the service first passes, so the record turns healthy
# about a second after nginx answers and the engine sees it at its next ask.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 CMD ["roost", "health"]
ENTRYPOINT ["roost", "start"]
CMD ["/hab/plans/tls-front"]

# 3. The same image, run entirely as the service user (docker build --target
#    service-user): roost is PID 1 without root and runs nginx and the hooks
#    as itself, so the container needs no capability. The service directory
#    is hab's and a volume: a new one copies that owner, so it is writable
#    (and executable) for roost even under --read-only, with every engine.
#    (A tmpfs would not do: engines make it root's when the path exists in
#    the image or holds a volume's mount point.)
FROM runtime AS service-user
RUN chown hab:hab /hab/svc/tls-front
VOLUME /hab/svc/tls-front
USER hab

# The default target: roost as a root PID 1 that runs the service as hab.
FROM runtime
