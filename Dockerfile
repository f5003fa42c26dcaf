# The attnsearch image of spaces/k8s/job.yaml: one static binary on an empty base.
#
# Build the binary first (pure Go, no cgo: static), then the image, from the repository root:
#
#   CGO_ENABLED=0 go build -trimpath -o attnsearch ./cmd/attnsearch
#   docker build -t registry.example.com/attnsearch:latest .     # or: buildah bud -t ... .
#   docker push registry.example.com/attnsearch:latest
#
# The image holds nothing else: no shell, no CA certificates, no Python. Studies shared through
# PostgreSQL (the Kubernetes example) need nothing more; a trial command (task kind: command)
# needs its interpreter, so build that image FROM one that has it and COPY the binary in the same way.
FROM scratch
COPY attnsearch /usr/local/bin/attnsearch
ENV PATH=/usr/local/bin
USER 65534:65534
CMD ["attnsearch", "--help"]
