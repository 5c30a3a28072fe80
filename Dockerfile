# ecsim in a container, for sweeps on AWS Batch, Kubernetes or anything else that runs images
# (docs/array-jobs.md). Build and run:
#
#   docker build -t ecsim .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" ecsim sweep sweeps/quickstart-sizes.toml
#
# The build stage runs exactly what CI runs natively (`cargo build --release --locked`) with the toolchain
# rust-toolchain.toml pins; the image holds only the binary and CA certificates, and runs as a non-root user
# (uid and gid 10001: give that user write access to the shared results folder).

# --- build -------------------------------------------------------------------------------------------------
FROM docker.io/library/rust:1.95.0-slim-trixie AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

# --- run ---------------------------------------------------------------------------------------------------
FROM docker.io/library/debian:trixie-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 ecsim \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ecsim \
 && install -d -o 10001 -g 10001 /work
COPY --from=build /src/target/release/ecsim /usr/local/bin/ecsim
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["ecsim"]
CMD ["--help"]
