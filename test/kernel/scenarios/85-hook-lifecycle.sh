# The libvirt qemu hook on the real mdev core, called through the wrapper `hook install` writes,
# as libvirtd calls it (argv: guest op subop extra; the domain XML on stdin), in libvirt's orders:
# start (prepare, start, started), reconnect, stop (stopped, release), a refused start, and an
# incoming migration on the destination (migrate, prepare, start) whose XML names an absent parent.
require_cli hook
agg=9b7e1f4e-0c1a-4b7e-9d1e-000000000851
plain=9b7e1f4e-0c1a-4b7e-9d1e-000000000852
hooks=$SCENARIO_DIR/qemu.d
wrapper=$hooks/mdev-agg

expect_exit "hook install" 0 $MDEV_AGG hook install --hooks-dir "$hooks" --create
expect_output "install asks for a libvirtd restart or SIGHUP" "SIGHUP"
expect_exists "the wrapper is in the hooks directory" "$wrapper"

# hook_call WHAT CODE DOMAIN OP SUBOP EXTRA: the wrapper for guest 'guest' with DOMAIN on stdin,
# as libvirtd runs it.
hook_call() {
	hook_call_what=$1
	hook_call_code=$2
	shift 2
	expect_exit "$hook_call_what" "$hook_call_code" sh -c 'domain=$1; shift; exec "$0" guest "$@" <"$domain"' "$wrapper" "$@"
}
# expect_silent WHAT: the last call printed nothing on stdout (libvirt reads stdout for some ops).
expect_silent() {
	if [ -s "$STDOUT_FILE" ]; then fail "$1" "stdout: $(head -c 300 "$STDOUT_FILE")"; else pass "$1"; fi
}
# expect_one_line WHAT TEXT: stderr is exactly one line and contains TEXT.
expect_one_line() {
	if [ "$(wc -l <"$STDERR_FILE")" = 1 ] && grep -qF -- "$2" "$STDERR_FILE"; then
		pass "$1"
	else
		fail "$1" "stderr: $(head -c 400 "$STDERR_FILE" | tr '\n' '~')"
	fi
}

DOMAIN_FILE=$SCENARIO_DIR/guest.xml
domain_xml "$DOMAIN_FILE" guest "$agg:$AGG_TYPE:3:$PARENT" "$plain:$PLAIN_TYPE:1"

watch_devices
hook_call "prepare" 0 "$DOMAIN_FILE" prepare begin -
expect_silent "prepare prints nothing"
expect_device "prepare created the aggregated device" "$agg" "$AGG_TYPE" 3
expect_device "prepare placed and created the plain device" "$plain" "$PLAIN_TYPE" 0
hook_call "start" 0 "$DOMAIN_FILE" start begin -
hook_call "started" 0 "$DOMAIN_FILE" started begin -
expect_device_events "the start created exactly the two devices" "add $agg; add $plain"
expect_available "three units and two units are taken" 1 3

watch_devices
hook_call "reconnect" 0 "$DOMAIN_FILE" reconnect begin -
expect_silent "reconnect prints nothing"
hook_call "stopped" 0 "$DOMAIN_FILE" stopped end -
expect_device_events "reconnect and stopped touched no device" ""
expect_device "the device outlives stopped" "$agg" "$AGG_TYPE" 3

watch_devices
hook_call "release" 0 "$DOMAIN_FILE" release end shutdown
expect_silent "release prints nothing"
expect_device_events "release removed exactly the two devices" "remove $agg; remove $plain"
expect_available "the pool is full again" 4 8

hook_call "reconnect of a guest whose devices are gone still exits 0" 0 "$DOMAIN_FILE" reconnect begin -
expect_one_line "reconnect reports the missing devices on one line" "2 of 2 aggregated mdevs not as declared"

# The second device asks for more instances than the pool has left once the first takes its 3:
# N <= available_instances is checked against what the earlier devices take, before any write.
DOMAIN_FILE=$SCENARIO_DIR/too-big.xml
domain_xml "$DOMAIN_FILE" too-big "$agg:$AGG_TYPE:3:$PARENT" "$plain:$AGG_TYPE:6:$PARENT"
watch_devices
hook_call "prepare of a guest the pool cannot hold fails" 1 "$DOMAIN_FILE" prepare begin -
expect_one_line "the refusal is one line naming the guest and the error" "prepare of guest 'guest' failed: E_CAPACITY"
expect_device_events "the refused prepare created nothing" ""
expect_available "the pool is full after the refused start" 4 8

# Incoming migration: the source ran the aggregated device on a parent this host does not have,
# and left the plain one unplaced. Without driver facts (no stamp) the check fails unless allowed.
DOMAIN_FILE=$SCENARIO_DIR/incoming.xml
domain_xml "$DOMAIN_FILE" guest "$agg:$AGG_TYPE:2:0000:00:1f.7" "$plain:$PLAIN_TYPE:1"
hook_call "migrate of an unstamped guest is refused" 1 "$DOMAIN_FILE" migrate begin -
expect_one_line "the refusal names the unknown driver" "C_DRIVER_UNKNOWN"

mkdir -p /etc/mdev-agg
printf '{"allowUnknownDriver": true}\n' >/etc/mdev-agg/config.json
watch_devices
hook_call "migrate with unknown drivers allowed by the configuration" 0 "$DOMAIN_FILE" migrate begin -
expect_device_events "migrate created nothing" ""
if [ "$(grep -c "parent='$PARENT'" "$STDOUT_FILE")" = 2 ]; then
	pass "migrate printed the XML with both devices placed on $PARENT"
else
	fail "migrate printed the XML with both devices placed on $PARENT" "stdout: $(head -c 600 "$STDOUT_FILE" | tr '\n' '~')"
fi
cp "$STDOUT_FILE" "$SCENARIO_DIR/migrated.xml"
DOMAIN_FILE=$SCENARIO_DIR/migrated.xml
watch_devices
hook_call "prepare with the migrated XML" 0 "$DOMAIN_FILE" prepare begin -
hook_call "start after migration" 0 "$DOMAIN_FILE" start begin -
expect_device_events "the incoming guest's devices were created" "add $agg; add $plain"
expect_device "the aggregated device carries its count" "$agg" "$AGG_TYPE" 2
hook_call "release of the migrated guest" 0 "$DOMAIN_FILE" release end -
expect_absent "the migrated guest's device is gone" "$DEVICES_DIR/$agg"
expect_available "the pool is full at the end" 4 8
rm -rf /etc/mdev-agg

expect_exit "hook uninstall" 0 $MDEV_AGG hook uninstall --hooks-dir "$hooks"
expect_absent "the wrapper is gone" "$wrapper"
