#!/bin/bash
# Builds lotse-hub, lotse-kiosk and lotse-display .deb files into the
# directory $1 from the binaries in build/deb (make deb builds them).
# Environment: NFPM (the nfpm module at a pinned version), GO,
# DEB_VERSION, DEB_ARCH, DEB_MAINTAINER, DEB_APP_DEPENDS (what the kiosk
# and the display load at run time besides their linked libraries).
set -euo pipefail
out=${1:?usage: packaging/deb.sh OUTDIR}
: "${NFPM:?}" "${DEB_VERSION:?}" "${DEB_ARCH:?}" "${DEB_MAINTAINER:?}" "${DEB_APP_DEPENDS:?}"
GO=${GO:-go}
export DEB_VERSION DEB_ARCH DEB_MAINTAINER DEB_APP_DEPENDS
mkdir -p "$out" build/deb

# The packages that provide the libraries a binary links, with the
# versions its symbols need, as Debian's own packages state them.
shlibs() {
	local tmp bin
	tmp=$(mktemp -d)
	bin=$(realpath "$1")
	mkdir "$tmp/debian"
	printf 'Source: lotse\n\nPackage: lotse\nArchitecture: any\n' >"$tmp/debian/control"
	(cd "$tmp" && dpkg-shlibdeps -O --warnings=0 "$bin" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
	rm -rf "$tmp"
}

# A kiosk or display PC gets its own table of the installation file.
for app in kiosk display; do
	{
		echo "# Settings of this $app PC: the [$app] table of the Lotse installation"
		echo "# file (see /usr/share/doc/lotse-hub/examples/lotse.example.toml on the"
		echo "# hub, or docs/lotse.example.toml). Flags in /etc/lotse/$app.env win."
		echo
		sed -n "/^\[$app\]\$/,/^\$/p" docs/lotse.example.toml
	} >"build/deb/$app.toml"
	grep -q "^\[$app\]\$" "build/deb/$app.toml" || { echo "no [$app] table in docs/lotse.example.toml" >&2; exit 1; }
done

for pkg in hub kiosk display; do
	gzip -9n -c "packaging/man/lotse-$pkg.1" >"build/deb/lotse-$pkg.1.gz"
	DEB_SHLIBS=$(shlibs "build/deb/$pkg")
	[ -n "$DEB_SHLIBS" ] || { echo "no library dependencies found for build/deb/$pkg" >&2; exit 1; }
	export DEB_SHLIBS
	rm -f "$out"/lotse-${pkg}_*.deb
	"$GO" run "$NFPM" package --config "packaging/lotse-$pkg.yaml" --packager deb --target "$out/"
done
ls -l "$out"/*.deb
