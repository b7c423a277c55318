# Stand-in for the official golang:1.26-trixie, used only when that image cannot be pulled.
# It offers what the course uses from the official one: the Go toolchain of the tag, gcc and
# libc6-dev for cgo, make, git, curl and procps, GOPATH=/go and GOTOOLCHAIN=local.
FROM debian:trixie-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates curl git make gcc libc6-dev pkg-config procps \
 && rm -rf /var/lib/apt/lists/*

# The host's bundle trusts this network's TLS proxy, so `go mod download` works in builds.
COPY --from=certs ca-certificates.crt /etc/ssl/certs/ca-certificates.crt

ARG GOLANG_VERSION
ENV GOLANG_VERSION=${GOLANG_VERSION} \
    GOTOOLCHAIN=local \
    GOPATH=/go \
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY --from=goroot / /usr/local/go
RUN mkdir -p "$GOPATH/src" "$GOPATH/bin" && chmod -R 1777 "$GOPATH" && go version
WORKDIR /go
