# Waystone container image.
# Build stage: the Swift toolchain image, release build with the Swift runtime linked statically.
FROM swift:6.3-bookworm AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libsodium-dev libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
# The manifest names the test targets too, so their folders must exist (they are not built here).
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product waystone \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/waystone" /out/waystone

# Runtime stage: Debian slim with only the two C libraries and CA certificates.
FROM debian:bookworm-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libsodium23 libssl3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 waystone \
 && useradd --system --uid 10001 --gid waystone --home-dir /data --no-create-home --shell /usr/sbin/nologin waystone \
 && mkdir -p /data /etc/waystone && chown waystone:waystone /data && chmod 0700 /data
COPY --from=build /out/waystone /usr/local/bin/waystone
COPY config/container.json /etc/waystone/waystone.json
USER waystone:waystone
WORKDIR /data
VOLUME /data
# libp2p (TCP), STUN (UDP and TCP), metrics/health (HTTP)
EXPOSE 4001/tcp 3478/udp 3478/tcp 8888/tcp
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/waystone", "healthcheck", "--config", "/etc/waystone/waystone.json"]
ENTRYPOINT ["/usr/local/bin/waystone"]
CMD ["run", "--config", "/etc/waystone/waystone.json"]
