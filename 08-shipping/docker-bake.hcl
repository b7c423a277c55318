# What to build, in one file that you and CI both run: `docker buildx bake TARGET`.
#   docker buildx bake test           the unit tests, in the build's toolchain
#   docker buildx bake --push image   the production image for amd64 and arm64, with its
#                                     provenance and SBOM, pushed to IMAGE's registry
# Any variable below can be set from the environment: VERSION=1.0.1 docker buildx bake ...

# The repository the image is pushed to: a registry's address, then the image's name.
variable "IMAGE" {
  default = "127.0.0.1:5000/workers-api"
}

# The release: a version a person chose, and the commit it was built from. `latest` is never
# deployed: it names whatever was pushed last.
variable "VERSION" {
  default = "dev"
}
variable "GIT_SHA" {
  default = ""
}

target "_common" {
  dockerfile = "Dockerfile.prod"
  # The module the stage imports, beside it (docker build --build-context shared=../shared).
  contexts = {
    shared = "../shared"
  }
}

target "test" {
  inherits = ["_common"]
  target   = "test"
  # Nothing to keep but the build cache: the stage passes or the build fails.
  output = ["type=cacheonly"]
}

# The tags, as the CI workflow's docker/metadata-action writes them: there, its bake file
# replaces this target (the workflow passes it after this file).
target "docker-metadata-action" {
  tags = compact([
    "${IMAGE}:${VERSION}",
    notequal("", GIT_SHA) ? "${IMAGE}:sha-${substr(GIT_SHA, 0, 7)}" : "",
  ])
}

target "image" {
  inherits  = ["_common", "docker-metadata-action"]
  platforms = ["linux/amd64", "linux/arm64"]
  # How it was built (mode=max: every build step and argument) and what it holds, attached to
  # the image in the registry.
  attest = [
    "type=provenance,mode=max",
    "type=sbom",
  ]
}
