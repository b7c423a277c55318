# Stand-in for gcr.io/distroless/static-debian13:nonroot, used only when it cannot be pulled.
# Like the real one it holds no shell and no package manager: only /etc/passwd and /etc/group
# with root, nobody and nonroot (65532), CA certificates, time zone data, /etc/services and a
# writable /tmp. The runtime user is nonroot.
#
# Like the real one it is an image index, one image a platform (base-images.sh bakes it for
# linux/amd64 and linux/arm64 where the image store holds both). None of its files depends
# on the platform, so they are gathered once on the build platform, with no emulation, and
# the final stage copies them into an image for each target platform.
FROM --platform=$BUILDPLATFORM debian:trixie-slim AS files
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata netbase \
 && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /out/etc/ssl/certs /out/usr/share /out/tmp /out/home/nonroot /out/root \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ \
 && cp -a /usr/share/zoneinfo /out/usr/share/ \
 && cp /etc/services /etc/protocols /etc/os-release /out/etc/ \
 && printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
      'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
      'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >/out/etc/passwd \
 && printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' >/out/etc/group \
 && printf '%s\n' 'hosts: files dns' >/out/etc/nsswitch.conf \
 && chmod 1777 /out/tmp && chmod 700 /out/root \
 && chown 65532:65532 /out/home/nonroot

FROM scratch
COPY --from=files /out/ /
ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /home/nonroot
