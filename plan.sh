# The bundled example: an nginx TLS front in the spirit of automate-nginx.
# roost reads this file statically (it never runs it); `hab pkg build` can
# build it into a real Habitat package too.
pkg_name=tls-front
pkg_origin=roost
pkg_version=0.1.0
pkg_maintainer="roost developers"
pkg_license=("Apache-2.0")
pkg_description="nginx terminating TLS in front of an optional backend service"
pkg_deps=(core/nginx core/curl)
pkg_svc_user=hab
pkg_svc_group=hab
pkg_exports=(
  [port]=port
  [server-name]=server_name
)
pkg_exposes=(port)
# Optional: without a backend bind, nginx proxies to cfg.backend_host.
pkg_binds_optional=(
  [backend]="port"
)
pkg_shutdown_signal=QUIT
# Seconds between SIGQUIT and SIGKILL. Keep it below the container engine's
# stop timeout (10 s for docker/podman stop, ECS StopTimeout, Kubernetes
# terminationGracePeriodSeconds) so roost, not the engine, ends the stop.
pkg_shutdown_timeout_sec=7

do_build() { return 0; }
do_install() { return 0; }
