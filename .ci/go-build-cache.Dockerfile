# The Go build cache that the stages' Dockerfiles share (RUN --mount=type=cache,
# target=/root/.cache/go-build), copied out of the engine's builder and back into it by
# .ci/warm-build-cache.sh. STAMP, new at every build, makes the RUN run again: --no-cache
# would hand it a new, empty cache mount.

# docker build --target saved --output type=local,dest=DIR: the cache's files into DIR.
FROM golang:1.26-trixie AS copy-out
ARG STAMP
RUN --mount=type=cache,target=/root/.cache/go-build \
    mkdir /out && cp -a /root/.cache/go-build /out/go-build

FROM scratch AS saved
COPY --from=copy-out /out /

# docker build --target restore --output type=cacheonly DIR (DIR the build context): DIR's
# files into the cache, next to what it holds.
FROM golang:1.26-trixie AS restore
ARG STAMP
RUN --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=/saved \
    cp -a /saved/go-build/. /root/.cache/go-build/
