# gpool — graph pooling and clustering harness.
# `make test` and `make reproduce-table1` work on a fresh Debian machine:
# every target first installs the system packages it needs (target `deps`).

SWIFT        ?= swift
CONFIG       ?= release
DEB_PACKAGES := pkg-config libopenblas-dev liblapacke-dev libhdf5-dev hdf5-tools libarpack2-dev libsvm-dev
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
GPOOL        := .build/$(CONFIG)/gpool
# Data directory the experiments read, and the mirror `make data` copies from
# (files it lacks are downloaded where a network exists).
GPOOL_DATA        ?= data
GPOOL_DATA_MIRROR ?= $(if $(wildcard ../shared/data),../shared/data,)
# Runs executed in parallel by `make reproduce-*` (default: all cores).
JOBS              ?= $(shell nproc 2>/dev/null || echo 1)
# Optional: pin OpenBLAS's kernel set (e.g. Haswell) so that machines with
# different CPUs run the same BLAS kernels (README, "Threads and determinism").
BLAS_CORE         ?=
# Code generation of the release build: on an x86-64 CPU with AVX2 and FMA,
# `-target-cpu haswell`, so that the harness's SIMD kernels run as 256-bit
# AVX2 instructions (README, "Performance": 12–18% less CPU time on TVGNN
# epochs and Cora MinCutPool steps, 0–4% where OpenBLAS does most of the
# work; results bit-identical to the generic build). The binary then needs such a
# CPU: build with GPOOL_TARGET_CPU= (empty) for generic x86-64, e.g. for a
# cluster with older nodes.
GPOOL_TARGET_CPU  ?= $(shell [ "$$(uname -m)" = x86_64 ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && echo haswell)
RELEASE_FLAGS     := $(if $(GPOOL_TARGET_CPU),-Xswiftc -target-cpu -Xswiftc $(GPOOL_TARGET_CPU),)
# `make fuzz`: mutated inputs per reader and the campaign's seed.
FUZZ_COUNT        ?= 5000
FUZZ_SEED         ?= 1

.PHONY: all deps build release test test-slurm bench fuzz data reproduce-table1 reproduce-table2 reproduce-tvgnn-clustering reproduce-tvgnn reproduce-neuncut reproduce-neuncut-graphs format clean help

all: build

help:
	@echo "make test               install dependencies, build, run the unit tests"
	@echo "make test-slurm         the Slurm backend against a real one-node Slurm started here (installs slurm-wlm, munge)"
	@echo "make reproduce-table1   reproduce MinCutPool's Table 1 (node clustering); FORCE=1 recomputes, JOBS=N, BLAS_CORE=Haswell pins OpenBLAS's kernels"
	@echo "make reproduce-table2   graph classification, Table 2 (No-pool, Dense, DiffPool, MinCutPool, Top-K, SAGPool, Graclus, NDP, WL; resumable; table2.md projects the CPU hours still needed, about 120 today)"
	@echo "make reproduce-tvgnn-clustering   TVGNN node clustering (GTVConv + AsymCheegerCut) on Cora, Citeseer, Pubmed, 10 seeds; resumable"
	@echo "make reproduce-tvgnn    TVGNN's graph-classification table (TVGNN, DMoN; Table 2 rows reused); resumable, many CPU hours"
	@echo "make reproduce-neuncut  NeuNcut vs k-means++ and spectral on USPS and the MNIST test set, 10 seeds; resumable"
	@echo "make reproduce-neuncut-graphs   NeuNcut with W = A on Cora, Citeseer, Pubmed beside the Table 1 runs, 10 seeds"
	@echo 'make data               fill $$GPOOL_DATA (default data/) from $$GPOOL_DATA_MIRROR or the canonical URLs'
	@echo "make bench              kernel and training-step timings (release build)"
	@echo "make release            the release build; AVX2 code where the CPU has AVX2 and FMA (GPOOL_TARGET_CPU= for generic x86-64)"
	@echo "make fuzz               seeded mutated inputs to every reader (FUZZ_COUNT per reader, FUZZ_SEED)"
	@echo "make deps               install missing Debian packages: $(DEB_PACKAGES)"
	@echo "make format             format the sources with swift format"

# Installs the Debian packages that are missing (apt-get, with sudo when not root).
deps:
	@command -v $(SWIFT) >/dev/null || { echo "error: swift not found on PATH (install a Swift 6 toolchain)"; exit 1; }
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing missing packages:$$missing"; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product gpool $(RELEASE_FLAGS)

# XCTest only: the final summary line counts the tests that ran.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

# The Slurm backend (--backend slurm, gpool collect) against a real one-node
# Slurm that scripts/local-slurm.sh installs (slurm-wlm, munge) and starts in a
# directory of its own; reports SKIPPED with the reason if a daemon cannot run.
test-slurm: release
	scripts/test-slurm.sh $(GPOOL)

bench: release
	$(GPOOL) bench

# Every reader and checkpoints: a load or a one-line error, never a crash,
# hang (30 s per input) or more than 2 GiB. `make test` runs a smaller campaign.
fuzz: release
	$(GPOOL) fuzz --count $(FUZZ_COUNT) --seed $(FUZZ_SEED) --work-dir .build/fuzz

data: release
	$(GPOOL) data --data-dir "$(GPOOL_DATA)" $(if $(GPOOL_DATA_MIRROR),--mirror "$(GPOOL_DATA_MIRROR)",)

# Resumable: finished runs are kept; FORCE=1 recomputes them.
reproduce-table1: release data
	$(if $(BLAS_CORE),OPENBLAS_CORETYPE=$(BLAS_CORE),) $(GPOOL) reproduce table1 --data-dir "$(GPOOL_DATA)" --jobs $(JOBS) $(if $(FORCE),--force,)

reproduce-tvgnn-clustering: release data
	$(GPOOL) reproduce tvgnn-clustering --data-dir "$(GPOOL_DATA)" --jobs $(JOBS) $(if $(FORCE),--force,)

reproduce-neuncut: release data
	$(GPOOL) reproduce neuncut --data-dir "$(GPOOL_DATA)" --jobs $(JOBS) $(if $(FORCE),--force,)

reproduce-neuncut-graphs: release data
	$(GPOOL) reproduce neuncut-graphs --data-dir "$(GPOOL_DATA)" --jobs $(JOBS) $(if $(FORCE),--force,)

# TVGNN's graph-classification table (its Table 2 rows reused from results/table2).
reproduce-tvgnn: release data
	$(GPOOL) reproduce tvgnn-classification --data-dir "$(GPOOL_DATA)" --jobs $(JOBS) $(if $(FORCE),--force,)

# Resumable per fold: finished runs (results/table2/runs/*.json) are kept.
reproduce-table2: release data
	$(if $(BLAS_CORE),OPENBLAS_CORETYPE=$(BLAS_CORE),) $(GPOOL) reproduce table2 --data-dir "$(GPOOL_DATA)" --jobs $(JOBS) $(if $(FORCE),--force,)

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests

clean:
	rm -rf .build
