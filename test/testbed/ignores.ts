/**
 * What two stock instances of the one image differ in: the test bed writes the instance name into
 * /etc/hosts, and the overlay's upper and work directories (in the options of the "/" mount) are
 * per instance — the work directory is new on every boot; each instance has its own /30 on eth0,
 * a veth whose MAC is new on every boot. Everything else must match. An ignore file, for the drift
 * tests and the pipeline demo alike.
 */
export const TESTBED_IGNORES = `ignore:
  - kind: mounts
    keys: /
    attributes: options
    reason: the overlay's upper and work directories name the instance and the boot
  - paths: /etc/hosts
    reason: the test bed writes the instance name into /etc/hosts
  - kind: interfaces
    keys: eth0
    attributes: [mac, addresses]
    reason: each instance's veth has its own /30 and a MAC made at boot
  - kind: routes
    keys: 'ipv4 10.231.*'
    reason: each instance's own /30
`;
