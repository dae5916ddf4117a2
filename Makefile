# Lotse — build, run, test and benchmark.
#
# Every target that needs system packages first runs `sysdeps`, which installs
# what is missing on Debian/Ubuntu when run as root and otherwise says what to
# install. Nothing is fetched at run time: all assets are embedded.

SHELL := /bin/bash
GO ?= go
# Fyne reads the locale from LANG; "C" makes it log errors.
export LANG := $(if $(filter C C.UTF-8 POSIX,$(LANG)),de_DE.UTF-8,$(or $(LANG),de_DE.UTF-8))

# Debian packages the build and the tests need: cgo for go-sqlite3 and Fyne,
# X11/GL headers for Fyne, Xvfb for real-window tests, socat for serial tests,
# Chromium for the counter-UI tests, espeak-ng and ALSA for announcements,
# sox to measure the kiosk's speech in its tests, slapd for the directory
# login, tesseract to read the Arabic kiosk back; for the Debian packages
# lintian, systemd-analyze, dpkg-shlibdeps, and cage with Xwayland, in
# which the kiosk's session is tested.
DEBS := gcc pkg-config libgl1-mesa-dev xorg-dev libasound2-dev xvfb xauth socat \
        chromium espeak-ng sox fonts-dejavu-core curl imagemagick slapd ldap-utils \
        tesseract-ocr tesseract-ocr-ara lintian systemd dpkg-dev cage xwayland

# no_emoji leaves Fyne's 4 MB colour emoji font out of the kiosk and the
# display: they never show emoji, and parsing the font for every text style
# cost about 10 MB of resident memory.
TAGS ?= no_emoji

DATA ?= ./data
HUB_ADDR ?= :8080
HUB_URL ?= http://localhost:8080

# The Go release the hub is built with: the first without the standard
# library's known vulnerabilities (see `make audit`). The go command fetches
# it from the module proxy when the installed Go is older.
GO_TOOLCHAIN ?= go1.26.10

# govulncheck at a pinned version, and the vulnerability data as the Go
# module proxy serves it (module golang.org/x/vulndb, its OSV files), so
# that the audit runs where vuln.go.dev cannot be reached. VULNDB may name
# a pinned version of the data instead of the newest.
GOVULNCHECK ?= golang.org/x/vuln/cmd/govulncheck@v1.9.0

# staticcheck at a pinned version, run by make test next to go vet.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
VULNDB ?= latest
VULNDB_DIR ?= build/vulndb

# Debian packages (make deb, packaging/): nfpm at a pinned version builds
# them into dist/. A release sets DEB_VERSION and adds its entry on top of
# packaging/changelog.yaml. The linked libraries become dependencies by
# dpkg-shlibdeps; DEB_APP_DEPENDS are those the kiosk and the display open
# at run time (GLFW's X11 extensions, under cage through Xwayland).
NFPM ?= github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
DEB_VERSION ?= 0.1.0
DEB_ARCH ?= $(shell $(GO) env GOARCH)
DEB_MAINTAINER ?= Lotse maintainers <maintainers@lotse.invalid>
DEB_APP_DEPENDS ?= libx11-xcb1, libxcursor1, libxi6, libxinerama1, libxrandr2, libxrender1, libxxf86vm1

.PHONY: all sysdeps build run test bench audit vet fmt clean deb package-check

all: build

sysdeps:
	@missing=$$(for p in $(DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing: $$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "missing system packages: $$missing"; \
	    echo "install them with: sudo apt-get install $$missing"; exit 1; \
	  fi; \
	fi

build: sysdeps
	GOTOOLCHAIN=$(GO_TOOLCHAIN) $(GO) build -tags '$(TAGS)' -o bin/ ./hub ./kiosk ./display ./hardware/cmd/...

# The whole system on the embedded demo default: the hub, a printer sink
# that turns tickets into PNG previews under $(DATA)/prints, and with a
# desktop the call display and the kiosk, whose serial scanner is a
# simulator in this terminal: type or paste a QR payload from /demo and
# press Enter. Ctrl-C stops everything.
run: build
	@mkdir -p $(DATA)/prints
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT INT TERM; \
	./bin/hub -addr $(HUB_ADDR) -db $(DATA)/lotse.db & \
	for i in $$(seq 100); do curl -fs $(HUB_URL)/healthz >/dev/null 2>&1 && break; sleep 0.2; done; \
	./bin/printersink -listen 127.0.0.1:9100 -out $(DATA)/prints >/dev/null & \
	if [ -n "$$DISPLAY" ]; then \
	  LANGUAGE=de ./bin/display -hub $(HUB_URL) -token demo-display -windowed & \
	  LANGUAGE=de ./bin/kiosk -hub $(HUB_URL) -token demo -windowed -scanner $(DATA)/scanner -printer tcp://127.0.0.1:9100 & \
	  echo "Scanner simulator: paste a QR payload (LOTSE:…) from $(HUB_URL)/demo and press Enter."; \
	  ./bin/scannersim -link $(DATA)/scanner; \
	else \
	  echo "No DISPLAY: kiosk and display not started. The web display and the counter workplace are served by the hub."; \
	  wait; \
	fi

# lotse-hub, lotse-kiosk and lotse-display .deb files in dist/: stripped,
# position-independent binaries with the version set, the systemd units,
# the kiosk sessions and the configuration (docs/operations.md).
deb: sysdeps
	GOTOOLCHAIN=$(GO_TOOLCHAIN) $(GO) build -tags '$(TAGS)' -trimpath -buildmode=pie \
	  -ldflags '-s -w -X lotse/internal/version.Version=$(DEB_VERSION) -extldflags=-Wl,-z,relro,-z,now' \
	  -o build/deb/ ./hub ./kiosk ./display
	NFPM='$(NFPM)' GO='$(GO)' DEB_VERSION='$(DEB_VERSION)' DEB_ARCH='$(DEB_ARCH)' \
	  DEB_MAINTAINER='$(DEB_MAINTAINER)' DEB_APP_DEPENDS='$(DEB_APP_DEPENDS)' packaging/deb.sh dist

# The packages' contents, lintian, systemd-analyze verify and security,
# and (as root) installing, starting, upgrading and purging the hub's.
package-check: deb
	packaging/check.sh dist
	packaging/install-test.sh dist

# All tests, with the race detector, under a virtual X server so that the
# real-window smoke tests run too; first the packages.
test: sysdeps package-check
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) mod tidy -diff
	$(GO) vet -tags '$(TAGS)' ./...
	$(GO) run $(STATICCHECK) -tags '$(TAGS)' ./...
	xvfb-run -a -s "-screen 0 1920x1080x24" $(GO) test -tags '$(TAGS)' -race -count=1 -timeout 30m ./...

# Performance budget of the design: prints a table with the figures (the
# hub against floorhub, the yardstick the design names, measured in turn
# in the same run, each a process of its own for call → event; the kiosk
# and the display in a virtual X server). docs/performance.md tells how.
# floorhub is built from the outside instruments into bin/ (their folder
# stays read-only); without that folder the load test falls back to its
# in-tree minimal server and every ratio line says so.
FLOORHUB_SRC ?= ../shared/bench/floorhub
bench: build
	@if [ -d $(FLOORHUB_SRC) ]; then \
	  (cd $(FLOORHUB_SRC) && GOWORK=off $(GO) build -o $(CURDIR)/bin/floorhub .); \
	else \
	  rm -f bin/floorhub; echo "$(FLOORHUB_SRC) not found: ratios against the in-tree minimal server"; \
	fi
	xvfb-run -a -s "-screen 0 1920x1080x24" $(GO) run -tags '$(TAGS)' ./hub/loadtest -apps bin -hub bin/hub -floorhub bin/floorhub
	$(GO) test -tags '$(TAGS)' -run '^$$' -bench . -benchmem ./hardware/... ./hub/queue/...

# Known vulnerabilities that reach the code: govulncheck on a local copy
# of the Go vulnerability database, built from the module proxy's copy by
# tools/vulndb. Exits non-zero on a finding in called code; the findings
# in imported or required but uncalled code are listed too (docs/security.md
# names each and why it does not reach the hub).
audit:
	@dir=$$($(GO) mod download -json golang.org/x/vulndb@$(VULNDB) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p'); \
	test -d "$$dir/data/osv" || { echo "no golang.org/x/vulndb@$(VULNDB) from the module proxy"; exit 1; }; \
	$(GO) run ./tools/vulndb -osv "$$dir/data/osv" -out $(VULNDB_DIR)
	GOTOOLCHAIN=$(GO_TOOLCHAIN) $(GO) run $(GOVULNCHECK) -db file://$(abspath $(VULNDB_DIR)) -tags '$(TAGS)' -show verbose ./...

vet:
	$(GO) vet -tags '$(TAGS)' ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin build dist
