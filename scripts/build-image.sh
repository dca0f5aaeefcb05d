#!/usr/bin/env bash
# Builds the container image from the Containerfile with buildah: no
# Docker daemon and no registry (the image starts FROM scratch).
#
#   scripts/build-image.sh [--check] [TAG]   # default localhost/imageshare:dev
#
# --check then runs the image (serve --demo on a loopback port) and makes
# signed calls against it with the CLI: "podman run" where this machine
# can run containers, else "buildah run --isolation chroot" (no
# namespaces or cgroups: the image's own files and user, the host's
# network), else it says so and stops with the image built.
#
# Steps: build the static binary (CGO_ENABLED=0), stage a build context
# with it, this machine's CA certificates and an empty data directory,
# run "buildah bud", and write the image as an OCI archive to
# out/imageshare-oci.tar as well (load it elsewhere with
# "podman load -i" or "skopeo copy oci-archive:... docker://...").
#
# Needs: go, buildah (Debian: apt-get install -y buildah), and
# /etc/ssl/certs/ca-certificates.crt (Debian: ca-certificates).
# BUILDAH_STORAGE_DRIVER (default vfs) picks buildah's storage driver:
# vfs works without overlay support, inside containers and CI machines.
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
if [ "${1:-}" = "--check" ]; then check=true; shift; fi
tag=${1:-localhost/imageshare:dev}
driver=${BUILDAH_STORAGE_DRIVER:-vfs}
certs=/etc/ssl/certs/ca-certificates.crt
command -v buildah >/dev/null || { echo "build-image: buildah is not installed (apt-get install -y buildah)" >&2; exit 1; }
[ -r "$certs" ] || { echo "build-image: no $certs (apt-get install -y ca-certificates)" >&2; exit 1; }

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
start=$(date +%s)
echo "-- go build (static, CGO_ENABLED=0)"
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$ctx/imageshare" ./cmd/imageshare
cp "$certs" "$ctx/ca-certificates.crt"
mkdir -p "$ctx/data"
cp Containerfile "$ctx/Containerfile"

echo "-- buildah bud $tag (storage driver $driver)"
# --format docker keeps the HEALTHCHECK (OCI image configs have none).
buildah --storage-driver "$driver" bud --quiet --format docker --layers=false \
  -f "$ctx/Containerfile" -t "$tag" "$ctx"
# Earlier builds' images, now untagged, go: repeated builds do not grow
# the storage.
buildah --storage-driver "$driver" rmi --prune >/dev/null 2>&1 || true
mkdir -p out
rm -f out/imageshare-oci.tar
buildah --storage-driver "$driver" push --quiet "$tag" "oci-archive:out/imageshare-oci.tar:$tag"
echo "-- image $tag built in $(( $(date +%s) - start ))s; OCI archive out/imageshare-oci.tar ($(du -h out/imageshare-oci.tar | cut -f1))"

$check || exit 0

# ---- run the image and call it
port=${IMAGESHARE_IMAGE_CHECK_PORT:-18080}
url=http://127.0.0.1:$port
cli="$ctx/imageshare"
mkdir -p "$ctx/home"
how=""
if podman --storage-driver "$driver" run --rm --network=host "$tag" version >/dev/null 2>"$ctx/podman.err"; then
  how=podman
  podman --storage-driver "$driver" run -d --rm --name imageshare-check --network=host "$tag" \
    serve --demo --listen "127.0.0.1:$port" --db sqlite:/var/lib/imageshare/check.db >/dev/null
  stop() { podman --storage-driver "$driver" stop -t 5 imageshare-check >/dev/null 2>&1 || true; }
else
  echo "-- podman cannot run containers here: $(tail -n 1 "$ctx/podman.err" 2>/dev/null || echo 'not installed')"
  container=$(buildah --storage-driver "$driver" from -q "$tag")
  if buildah --storage-driver "$driver" run --isolation chroot "$container" -- /usr/local/bin/imageshare version >/dev/null 2>"$ctx/buildah.err"; then
    how="buildah run --isolation chroot"
    timeout 120 buildah --storage-driver "$driver" run --isolation chroot "$container" -- \
      /usr/local/bin/imageshare serve --demo --listen "127.0.0.1:$port" --db sqlite:/var/lib/imageshare/check.db \
      >"$ctx/serve.log" 2>&1 &
    server=$!
    stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
             buildah --storage-driver "$driver" rm "$container" >/dev/null 2>&1 || true; }
  else
    buildah --storage-driver "$driver" rm "$container" >/dev/null 2>&1 || true
    echo "-- this machine cannot run containers (podman: $(tail -n 1 "$ctx/podman.err"); buildah: $(tail -n 1 "$ctx/buildah.err")); the image is built, not run"
    exit 0
  fi
fi
trap 'stop; rm -rf "$ctx"' EXIT
echo "-- running the image with $how on $url"
for _ in $(seq 1 60); do
  if "$cli" healthcheck --url "$url" --timeout 1s >/dev/null 2>&1; then break; fi
  sleep 0.5
done
"$cli" healthcheck --url "$url"
# One signed UCloud call as a tenant: alice's images, from the demo data.
IMAGESHARE_URL=$url IMAGESHARE_PUBLIC_KEY=demo-alice-public IMAGESHARE_PRIVATE_KEY=demo-alice-private \
  HOME="$ctx/home" XDG_CONFIG_HOME="$ctx/home" "$cli" images ls | tee "$ctx/images.txt"
grep -q compshareImage-alice-llama "$ctx/images.txt" || { echo "build-image: the demo image is missing from images ls" >&2; exit 1; }
IMAGESHARE_URL=$url IMAGESHARE_PUBLIC_KEY=demo-bob-public IMAGESHARE_PRIVATE_KEY=demo-bob-private \
  HOME="$ctx/home" XDG_CONFIG_HOME="$ctx/home" "$cli" community ls | tee "$ctx/community.txt"
grep -q llama3-finetune-kit "$ctx/community.txt" || { echo "build-image: the demo catalog is missing from community ls" >&2; exit 1; }
echo "-- the image serves: healthcheck and signed DescribeCompShareCustomImages and DescribeCommunityImages calls answered"
