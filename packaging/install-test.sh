#!/bin/bash
# The installation test of the hub package (make package-check): installs
# $1/lotse-hub_*.deb on this machine, starts the hub as its unit does
# (with systemctl where systemd runs, else from the unit's ExecStart line
# with the unit's user, group, umask and environment), asks /healthz,
# draws a ticket, upgrades to a newer version of the package, checks that
# configuration, keys and ticket stayed, then removes and purges it.
# Then the kiosk's session: installs lotse-kiosk and lotse-display, runs
# the kiosk's unit line in cage on a headless output, and checks that a
# crashed kiosk takes the session down (Restart=on-failure restarts it)
# while one ended on purpose does not; purges both.
# It needs root and leaves the machine as it found it; it skips (and says
# why) without root or where a Lotse package is already installed.
set -euo pipefail
dir=${1:?usage: packaging/install-test.sh DIST}
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: the installation test needs root (dpkg -i)"
	exit 0
fi
for p in lotse-hub lotse-kiosk lotse-display; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	if [[ -n $status && $status != *not-installed* ]]; then
		echo "SKIP: $p is installed on this machine; the test would replace and purge it"
		exit 0
	fi
done
deb=$(ls "$dir"/lotse-hub_*.deb | head -1)
unit=/lib/systemd/system/lotse-hub.service
work=$(mktemp -d)
chmod 0711 "$work" # the hub, as lotse, reaches the notify socket inside
hubpid=
notifier=
cage=
step() { echo "-- $*"; }
fail() { echo "FAIL: $*"; [ -f "$work/hub.log" ] && tail -20 "$work/hub.log"; exit 1; }
systemd=no
[ -d /run/systemd/system ] && systemd=yes

stop_hub() {
	if [ $systemd = yes ]; then
		systemctl stop lotse-hub
	elif [ -n "$hubpid" ]; then
		kill -TERM "$hubpid" 2>/dev/null || true
		wait "$hubpid" 2>/dev/null || true
		hubpid=
		kill "$notifier" 2>/dev/null || true
		wait "$notifier" 2>/dev/null || true
	fi
}
cleanup() {
	stop_hub || true
	[ -z "$cage" ] || kill -KILL "$cage" 2>/dev/null || true
	dpkg -P lotse-hub lotse-kiosk lotse-display >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# A free loopback port for the hub.
port=
for p in $(shuf -i 20000-60000 -n 20); do
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || fail "no free port"
url=http://127.0.0.1:$port

start_hub() {
	if [ $systemd = yes ]; then
		systemctl daemon-reload
		systemctl start lotse-hub || { journalctl -u lotse-hub -n 30 --no-pager; fail "systemctl start lotse-hub"; }
		return
	fi
	# systemd is not PID 1 here: the unit's own lines, read from the
	# installed file, say how to start the hub.
	local exec user group umask envfile workdir statedir
	exec=$(sed -n 's/^ExecStart=//p' "$unit")
	user=$(sed -n 's/^User=//p' "$unit")
	group=$(sed -n 's/^Group=//p' "$unit")
	umask=$(sed -n 's/^UMask=//p' "$unit")
	envfile=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$unit")
	workdir=$(sed -n 's/^WorkingDirectory=//p' "$unit")
	statedir=$(sed -n 's/^StateDirectory=//p' "$unit")
	local env=(PATH=/usr/local/bin:/usr/bin:/bin HOME="$workdir" USER="$user" LOGNAME="$user")
	while read -r line; do env+=("$line"); done < <(sed -n 's/^Environment=//p' "$unit" | tr ' ' '\n')
	[ -f "$envfile" ] && while read -r line; do env+=("$line"); done < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$envfile")
	install -d -o "$user" -g "$group" -m 0750 "/var/lib/$statedir"
	# Type=notify: a socket in systemd's place hears the hub say READY=1.
	install -d -m 0755 "$work/notify"
	rm -f "$work/notify/sock" "$work/notify.out"
	socat -u "UNIX-RECV:$work/notify/sock,mode=0777" "OPEN:$work/notify.out,creat,append" &
	notifier=$!
	for _ in $(seq 50); do [ -S "$work/notify/sock" ] && break; sleep 0.1; done
	env+=(NOTIFY_SOCKET="$work/notify/sock")
	echo "   as $user:$group in $workdir, umask $umask: $exec"
	(cd "$workdir" && exec setpriv --reuid="$user" --regid="$group" --init-groups \
		env -i "${env[@]}" bash -c "umask $umask; exec $exec") >>"$work/hub.log" 2>&1 &
	hubpid=$!
}

wait_healthy() {
	local i
	for i in $(seq 300); do
		if body=$(curl -fsS --max-time 2 "$url/healthz" 2>/dev/null); then
			echo "   /healthz: $body"
			if [ $systemd = no ]; then
				grep -q 'READY=1' "$work/notify.out" 2>/dev/null || fail "the hub serves but did not say READY=1 on NOTIFY_SOCKET"
				echo "   NOTIFY_SOCKET: READY=1"
			fi
			return
		fi
		if [ -n "$hubpid" ] && ! kill -0 "$hubpid" 2>/dev/null; then fail "the hub exited"; fi
		sleep 0.2
	done
	fail "no answer from $url/healthz"
}

step "dpkg -i $deb"
dpkg -i "$deb" </dev/null
id lotse >/dev/null || fail "no lotse user"
[ "$(stat -c '%U:%G %a' /var/lib/lotse/lotse.keys)" = "lotse:lotse 600" ] || fail "key file: $(stat -c '%U:%G %a' /var/lib/lotse/lotse.keys)"
grep -qE '^birth_key=[0-9a-f]{64}$' /var/lib/lotse/lotse.keys || fail "no birth key in /var/lib/lotse/lotse.keys"
[ "$(stat -c '%U:%G %a' /var/lib/lotse)" = "lotse:lotse 750" ] || fail "state directory: $(stat -c '%U:%G %a' /var/lib/lotse)"
[ -f /etc/lotse/lotse.toml ] || fail "no /etc/lotse/lotse.toml"
echo "   user lotse, /var/lib/lotse/lotse.keys lotse 0600 with a birth key, /etc/lotse/lotse.toml"

step "configure one office as an administrator would"
cat >/etc/lotse/lotse.toml <<TOML
[hub]
addr = "127.0.0.1:$port"
db = "/var/lib/lotse/lotse.db"

[[office]]
id = "probe"
name = "Probeamt"
timezone = "Europe/Berlin"
  [office.backend]
  type = "demo"
  [[office.service]]
  id = "meldebescheinigung"
  name = "Meldebescheinigung"
  prefix = "M"
  minutes = 5
  [[office.counter]]
  id = "schalter-1"
  name = "Schalter 1"
  services = ["meldebescheinigung"]

[[device]]
name = "probe-kiosk"
office = "probe"
role = "kiosk"
token_env = "LOTSE_PROBE_TOKEN"
TOML
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
echo "LOTSE_PROBE_TOKEN=$token" >>/etc/lotse/hub.env
conf_sum=$(cat /etc/lotse/lotse.toml /etc/lotse/hub.env | sha256sum)
keys_sum=$(sha256sum </var/lib/lotse/lotse.keys)

step "start the hub (systemd as PID 1: $systemd)"
start_hub
wait_healthy
ticket=$(curl -fsS -H "Authorization: Bearer $token" -X POST "$url/api/v1/offices/probe/tickets" -d '{"service":"meldebescheinigung"}') || fail "walk-in refused"
id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$ticket")
[ -n "$id" ] || fail "walk-in answered $ticket"
echo "   walk-in ticket $id"
grep -q '"level"' "$work/hub.log" 2>/dev/null || [ $systemd = yes ] || fail "no JSON log lines from the hub"
stop_hub

newer=$(dpkg-deb -f "$deb" Version)+upgrade1
step "upgrade to $newer"
mkdir "$work/pkg"
dpkg-deb -R "$deb" "$work/pkg"
sed -i "s/^Version: .*/Version: $newer/" "$work/pkg/DEBIAN/control"
dpkg-deb -Zgzip -z1 -b "$work/pkg" "$work/lotse-hub_upgrade.deb" >/dev/null
dpkg -i "$work/lotse-hub_upgrade.deb" </dev/null
[ "$(dpkg-query -W -f='${Version}' lotse-hub)" = "$newer" ] || fail "version after the upgrade"
[ "$(cat /etc/lotse/lotse.toml /etc/lotse/hub.env | sha256sum)" = "$conf_sum" ] || fail "the upgrade changed the configuration"
[ "$(sha256sum </var/lib/lotse/lotse.keys)" = "$keys_sum" ] || fail "the upgrade changed the installation keys"
start_hub
wait_healthy
grep -q "\"$id\"" <<<"$(curl -fsS -H "Authorization: Bearer $token" "$url/api/v1/offices/probe/queue")" || fail "ticket $id lost in the upgrade"
echo "   configuration, keys and ticket $id kept"
stop_hub

step "dpkg -r: configuration and data stay"
dpkg -r lotse-hub </dev/null
[ -f /etc/lotse/lotse.toml ] && [ -f /var/lib/lotse/lotse.db ] && [ -f /var/lib/lotse/lotse.keys ] || fail "remove deleted configuration or data"
[ ! -e /usr/bin/lotse-hub ] || fail "remove left /usr/bin/lotse-hub"

step "dpkg -P: configuration and data go"
dpkg -P lotse-hub </dev/null
[ ! -e /etc/lotse/lotse.toml ] && [ ! -e /etc/lotse/hub.env ] && [ ! -e /var/lib/lotse ] || fail "purge left $(ls -d /etc/lotse/* /var/lib/lotse 2>/dev/null | tr '\n' ' ')"
echo "PASS: lotse-hub installs, starts from its unit, answers /healthz, upgrades keeping data and configuration, and purges"

step "dpkg -i lotse-kiosk and lotse-display"
if ! command -v cage >/dev/null || ! command -v Xwayland >/dev/null; then
	echo "SKIP: the session test needs cage and xwayland (make sysdeps installs them as root)"
	exit 0
fi
dpkg -i "$(ls "$dir"/lotse-kiosk_*.deb | head -1)" "$(ls "$dir"/lotse-display_*.deb | head -1)" </dev/null
grep -qw dialout <<<"$(id -nG lotse-kiosk)" || fail "lotse-kiosk is not in dialout (serial scanners)"
[ "$(stat -c '%U:%G %a' /etc/lotse/kiosk.env)" = "root:root 600" ] || fail "kiosk.env: $(stat -c '%U:%G %a' /etc/lotse/kiosk.env)"
[ "$(stat -c '%U:%G %a' /etc/lotse/kiosk.toml)" = "root:lotse-kiosk 640" ] || fail "kiosk.toml: $(stat -c '%U:%G %a' /etc/lotse/kiosk.toml)"
echo "   user lotse-kiosk ($(id -nG lotse-kiosk)), kiosk.env root 0600, kiosk.toml lotse-kiosk 0640"
echo "LOTSE_KIOSK_FLAGS=-hub http://127.0.0.1:1 -token probe" >>/etc/lotse/kiosk.env

# The unit's line with its user and environment; a headless output stands
# in for the screen, a runtime directory for the one logind gives.
session=/lib/systemd/system/lotse-kiosk.service
run_session() {
	local exec user env runtime
	exec=$(sed -n 's/^ExecStart=//p' "$session")
	user=$(sed -n 's/^User=//p' "$session")
	runtime=$work/runtime-$1
	install -d -o "$user" -m 0700 "$runtime"
	env=(PATH=/usr/bin:/bin HOME=/var/lib/lotse-kiosk XDG_RUNTIME_DIR="$runtime" WLR_BACKENDS=headless WLR_LIBINPUT_NO_DEVICES=1 WLR_RENDERER=pixman)
	for v in $(sed -n 's/^Environment=//p' "$session"); do env+=("$v"); done
	while read -r line; do env+=("$line"); done < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' /etc/lotse/kiosk.env)
	: >"$work/session-$1.log"
	setpriv --reuid="$user" --regid="$user" --init-groups env -i "${env[@]}" bash -c "exec $exec" >>"$work/session-$1.log" 2>&1 &
	cage=$!
	for _ in $(seq 300); do
		grep -q 'kiosk started' "$work/session-$1.log" && break
		kill -0 "$cage" 2>/dev/null || { cat "$work/session-$1.log"; fail "the session ended before the kiosk started"; }
		sleep 0.1
	done
	grep -q 'kiosk started' "$work/session-$1.log" || { tail "$work/session-$1.log"; fail "the kiosk did not start in cage"; }
	# Its first screen drawn: the event loop runs and a signal ends it cleanly.
	for _ in $(seq 300); do
		grep -q 'msg=screen' "$work/session-$1.log" && break
		sleep 0.1
	done
}
# The kiosk runs under the session script, a child of cage (or, were
# the script gone from the unit, as cage's child itself).
kiosk_pid() {
	local script
	script=$(pgrep -P "$cage" -f /usr/lib/lotse-kiosk/session || echo "$cage")
	pgrep -P "$script" -x lotse-kiosk
}
# session_status waits for cage to end and sets status to its exit status.
session_status() {
	status=0
	wait "$cage" 2>/dev/null || status=$?
	cage=
}

step "the kiosk in cage: a crash ends the session with a failure"
run_session crash
echo "   $(grep -m1 'kiosk started' "$work/session-crash.log")"
kill -KILL "$(kiosk_pid)"
session_status
[ "$status" != 0 ] || fail "cage ended with status 0 after the kiosk crashed: Restart=on-failure would not restart it"
echo "   kiosk killed: cage ended with status $status (a failure: systemd restarts the session)"

step "the kiosk in cage: staff ending it end the session cleanly"
run_session exit
kill -TERM "$(kiosk_pid)"
session_status
[ "$status" = 0 ] || { grep -v drmGetDevices "$work/session-exit.log" | tail -15; fail "cage ended with status $status after the kiosk ended cleanly"; }
echo "   kiosk ended cleanly: cage ended with status 0 (no restart)"

step "dpkg -P lotse-kiosk lotse-display"
dpkg -P lotse-kiosk lotse-display </dev/null
[ ! -e /etc/lotse ] && [ ! -e /var/lib/lotse-kiosk ] && [ ! -e /etc/pam.d/lotse-kiosk ] || fail "purge left $(ls -d /etc/lotse /var/lib/lotse-kiosk /etc/pam.d/lotse-* 2>/dev/null | tr '\n' ' ')"
echo "PASS: the kiosk session restarts after a crash and not after a clean end; both session packages install and purge"
