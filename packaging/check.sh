#!/bin/bash
# Checks the packages in $1 (make package-check): their control data and
# contents, lintian (errors fail, warnings are listed), and the systemd
# units with systemd-analyze verify and security (the hub's exposure
# score is printed).
set -euo pipefail
dir=${1:?usage: packaging/check.sh DIST}
fail=0
bad() { echo "FAIL: $*"; fail=1; }

deb() { ls "$dir"/lotse-"$1"_*.deb 2>/dev/null | head -1; }

# What each package must carry: paths in the data, conffiles, scripts.
declare -A paths conffiles
paths[hub]="./usr/bin/lotse-hub ./lib/systemd/system/lotse-hub.service ./etc/lotse/lotse.toml ./etc/lotse/hub.env ./usr/share/doc/lotse-hub/copyright ./usr/share/doc/lotse-hub/changelog.Debian.gz ./usr/share/doc/lotse-hub/operations.md"
conffiles[hub]="/etc/lotse/lotse.toml /etc/lotse/hub.env"
for app in kiosk display; do
	paths[$app]="./usr/bin/lotse-$app ./lib/systemd/system/lotse-$app.service ./lib/systemd/system/lotse-$app-restart.timer ./lib/systemd/system/lotse-$app-restart.service ./etc/pam.d/lotse-$app ./etc/lotse/$app.toml ./etc/lotse/$app.env ./usr/share/doc/lotse-$app/copyright ./usr/share/doc/lotse-$app/changelog.Debian.gz"
	conffiles[$app]="/etc/pam.d/lotse-$app /etc/lotse/$app.toml /etc/lotse/$app.env"
done
paths[kiosk]+=" ./usr/lib/lotse-kiosk/session"
for pkg in hub kiosk display; do paths[$pkg]+=" ./usr/share/man/man1/lotse-$pkg.1.gz"; done

for pkg in hub kiosk display; do
	f=$(deb "$pkg")
	[ -n "$f" ] || { bad "no lotse-$pkg .deb in $dir"; continue; }
	echo "== $f"
	info=$(dpkg-deb --info "$f")
	echo "$info" | grep -E '^ (Package|Version|Architecture|Depends|Recommends|Installed-Size):'
	grep -q "^ Package: lotse-$pkg\$" <<<"$info" || bad "$f: Package is not lotse-$pkg"
	for s in postinst prerm postrm conffiles; do
		grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\*? *$s( |\$)" <<<"$info" || bad "$f: no $s"
	done
	contents=$(dpkg-deb --contents "$f" | awk '{print $NF}')
	for p in ${paths[$pkg]}; do
		grep -qxF "$p" <<<"$contents" || bad "$f: $p missing"
	done
	have=$(dpkg-deb --ctrl-tarfile "$f" | tar -xO ./conffiles)
	for c in ${conffiles[$pkg]}; do
		grep -qxF "$c" <<<"$have" || bad "$f: $c is not a conffile"
	done
	# Nothing under /var/lib in the package: data is the installation's.
	if grep -q '^\./var/lib/.' <<<"$contents"; then bad "$f: ships files under /var/lib"; fi
done

# What the hub's service promises the office (issue 17): its user, the
# read-only system, no new privileges, its state directory, a restart
# after a failure and a watchdog fed by sd_notify.
echo "== lotse-hub.service settings"
unit=$(dpkg-deb --fsys-tarfile "$(deb hub)" | tar -xO ./lib/systemd/system/lotse-hub.service)
for want in User=lotse ProtectSystem=strict NoNewPrivileges=yes StateDirectory=lotse Restart=on-failure Type=notify 'WatchdogSec=[1-9]'; do
	if grep -qE "^$want" <<<"$unit"; then echo "  $want"; else bad "lotse-hub.service lacks $want"; fi
done
grep -qE '^ExecStart=.* -log-format (journal|json)' <<<"$unit" || bad "lotse-hub.service does not log structured records"

echo "== lintian"
if command -v lintian >/dev/null; then
	out=$(LC_ALL=C.UTF-8 lintian --fail-on none --display-level '>=warning' "$dir"/lotse-*_*.deb 2>&1 || true)
	echo "${out:-no errors, no warnings}"
	if grep -q '^E: ' <<<"$out"; then bad "lintian reports errors"; fi
else
	bad "lintian is not installed (make sysdeps installs it as root)"
fi

echo "== systemd-analyze"
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP: systemd-analyze is not installed: units not verified"
else
	# The units are verified as installed: this machine's units and the
	# packages unpacked into one root, with stand-ins for the programs the
	# sessions call that this machine may not have (cage).
	root=$(mktemp -d)
	trap 'rm -rf "$root"' EXIT
	mkdir -p "$root/lib/systemd/system" "$root/usr/bin" "$root/bin"
	cp -a /lib/systemd/system/. "$root/lib/systemd/system/"
	for f in "$dir"/lotse-*_*.deb; do dpkg-deb -x "$f" "$root"; done
	for p in /usr/bin/cage /bin/systemctl; do
		if [ -x "$p" ]; then cp "$p" "$root$p"; else cp /bin/true "$root$p"; fi
	done
	units=$(cd "$root" && ls lib/systemd/system/lotse-*)
	# An unknown key is only a warning to systemd (exit 0), but a typo
	# here is a setting that silently does not hold: any finding fails.
	if out=$(cd "$root" && systemd-analyze verify --root="$root" $(printf '/%s ' $units) 2>&1) && [ -z "$out" ]; then
		echo "verify: no findings ($(wc -w <<<"$units") units)"
	else
		echo "$out"
		bad "systemd-analyze verify"
	fi
	sec=$(systemd-analyze security --offline=true --root="$root" "/lib/systemd/system/lotse-hub.service" 2>&1) || true
	score=$(grep -E 'Overall exposure level' <<<"$sec" || true)
	if [ -n "$score" ]; then
		grep -E '^✗' <<<"$sec" | sed 's/^/  /' || true
		echo "lotse-hub.service: ${score#→ }"
	else
		echo "$sec"
		bad "systemd-analyze security gave no exposure score"
	fi
fi
exit $fail
