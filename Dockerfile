# vigil in a container: a build stage with the compilers, and a slim run stage with the
# libraries and the binary, run as an unprivileged user. It watches the *host*: mount the
# host's /proc and /sys read-only and the daemon reads them through --procfs/--sysfs.
#
#   docker build -t vigil .
#   docker run -d --name vigil --pid=host --network=host \
#       -v /proc:/host/proc:ro -v /sys:/host/sys:ro -v vigil-data:/var/lib/vigil \
#       -e VIGIL_TOKEN=change-me --read-only --cap-drop=ALL \
#       --security-opt no-new-privileges vigil
#
# --pid=host: NVML names GPU processes by their pids in the host's pid namespace; without
#   it the daemon sees them as pid 0 and cannot name their process or model.
# --network=host: /proc/net/dev shows the network namespace of the reader, so the host's
#   interfaces need the host's network (otherwise the figures are the container's own).
# NVIDIA GPUs: with the NVIDIA Container Toolkit, add `--gpus all` (or
#   `--runtime=nvidia -e NVIDIA_VISIBLE_DEVICES=all`). The runtime mounts the driver's
#   libnvidia-ml.so.1 and the /dev/nvidia* devices; the image needs the `utility`
#   capability only, which NVIDIA_DRIVER_CAPABILITIES below asks for. Without the runtime
#   vigil runs as on a host without a GPU. AMD GPUs are read from /sys: nothing to add.
# The daemon listens on 0.0.0.0:9400 here, which it refuses without a token: pass
#   VIGIL_TOKEN (or mount a configuration with one), or add --allow-public to the command
#   if the port is reachable by trusted clients only.

# ---- build -------------------------------------------------------------------------------
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      make gcc libc6-dev pkg-config libwebsockets-dev libinih-dev libjansson-dev \
      libcurl4-openssl-dev libsqlite3-dev nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The dashboard's charting library comes from the npm lockfile; a layer of its own, so a
# change to the C sources does not fetch it again.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN make -j"$(nproc)" \
 && make install DESTDIR=/out PREFIX=/usr SYSCONFDIR=/etc \
 && strip /out/usr/bin/vigil

# ---- run ---------------------------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libwebsockets17 libinih1 libjansson4 libcurl4 libsqlite3-0 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/vigil --no-create-home \
      --shell /usr/sbin/nologin vigil \
 && install -d -o vigil -g vigil -m 0750 /var/lib/vigil
COPY --from=build /out/usr/bin/vigil /usr/bin/vigil
COPY --from=build /out/etc/vigil/vigil.ini /etc/vigil/vigil.ini
ENV VIGIL_CONFIG=/etc/vigil/vigil.ini \
    NVIDIA_DRIVER_CAPABILITIES=utility \
    NVIDIA_VISIBLE_DEVICES=all
USER vigil
VOLUME ["/var/lib/vigil"]
EXPOSE 9400
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS --max-time 2 -o /dev/null http://127.0.0.1:9400/health || exit 1
ENTRYPOINT ["/usr/bin/vigil", "serve"]
CMD ["--listen", "0.0.0.0:9400", "--procfs", "/host/proc", "--sysfs", "/host/sys", "--data-dir", "/var/lib/vigil"]
