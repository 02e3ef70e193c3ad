import { fileURLToPath } from 'node:url';

/** The bundled SSH server baseline. */
export const SSH_BASELINE = fileURLToPath(new URL('../../specs/baselines/ssh-baseline.yaml', import.meta.url));

/** Where the baseline's whole-probe recordings live (written by record.mts there). */
export const SSH_BASELINE_RECORDINGS = fileURLToPath(
  new URL('../fixtures/recorded/sshd/ssh-baseline/', import.meta.url),
);

/**
 * The controls a stock Debian 12 instance fails, with the reason; docs/baselines.md lists the same.
 * Every other control passes on stock.
 */
export const STOCK_FAILURES: Readonly<Record<string, string>> = {
  'ssh-01': '/etc/ssh/sshd_config is 0644 (readable by everyone)',
  'ssh-07': 'the default MACs include hmac-sha1, hmac-sha1-etm@openssh.com and the 64-bit umac-64 tags',
  'ssh-11': 'RequiredRSASize defaults to 1024',
  'ssh-12': '/etc/ssh/moduli holds 2048-bit groups (size 2047)',
  'ssh-13': 'PermitRootLogin defaults to prohibit-password (sshd -T: without-password)',
  'ssh-14': 'PasswordAuthentication defaults to yes',
  'ssh-17': 'MaxAuthTries defaults to 6',
  'ssh-18': 'LoginGraceTime defaults to 120',
  'ssh-19': 'ClientAliveInterval defaults to 0 (idle sessions never end)',
  'ssh-20': "Debian's sshd_config sets X11Forwarding yes",
  'ssh-21': 'AllowTcpForwarding defaults to yes',
  'ssh-22': 'AllowAgentForwarding defaults to yes',
  'ssh-27': 'Compression defaults to delayed (sshd -T: yes)',
  'ssh-32': 'IgnoreUserKnownHosts defaults to no',
  'ssh-37': 'MaxStartups defaults to 10:30:100',
  'ssh-43': 'PermitUserRC defaults to yes',
  'ssh-44': 'Banner defaults to none',
  'ssh-45': 'no AllowGroups: every account may log in',
  'ssh-46': 'for the Match connection as globally: password logins, root logins and forwarding are on',
  'ssh-51': 'TCPKeepAlive defaults to yes',
  'ssh-57': 'the client offers the same MACs as the server: hmac-sha1, hmac-sha1-etm@openssh.com and umac-64',
  'ssh-61': "the client's RequiredRSASize defaults to 1024",
  'ssh-64': 'Debian builds ssh with ForwardX11Trusted yes as its default',
  'ssh-67': "the client's PasswordAuthentication defaults to yes",
  'ssh-68': "the client's KbdInteractiveAuthentication defaults to yes",
  'ssh-69': "Debian's ssh_config sets GSSAPIAuthentication yes",
  'ssh-74': 'CheckHostIP defaults to no since OpenSSH 8.5',
  'ssh-78': 'for the named destination as globally: password authentication is on',
};

const DROPIN_DIR = '/etc/ssh/sshd_config.d';
const CLIENT_DROPIN_DIR = '/etc/ssh/ssh_config.d';

const STRONG_CIPHERS = [
  'chacha20-poly1305@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-gcm@openssh.com',
  'aes256-ctr',
  'aes192-ctr',
  'aes128-ctr',
];
const STRONG_MACS = [
  'hmac-sha2-512-etm@openssh.com',
  'hmac-sha2-256-etm@openssh.com',
  'umac-128-etm@openssh.com',
  'hmac-sha2-512',
  'hmac-sha2-256',
];
const STRONG_KEX = [
  'sntrup761x25519-sha512@openssh.com',
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group-exchange-sha256',
];

/** A drop-in that makes every control pass; `sshd_config.d` is included first on Debian, so its values win. */
export const HARDENED_DROPIN = `# written by the ssh-baseline tests
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxAuthTries 3
LoginGraceTime 30
ClientAliveInterval 300
ClientAliveCountMax 2
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
Compression no
LogLevel VERBOSE
Banner /etc/issue.net
MaxStartups 10:30:60
RequiredRSASize 3072
IgnoreUserKnownHosts yes
PermitUserRC no
AllowGroups root ssh-users
TCPKeepAlive no
Ciphers ${STRONG_CIPHERS.join(',')}
MACs ${STRONG_MACS.join(',')}
KexAlgorithms ${STRONG_KEX.join(',')}
`;

/** A client drop-in that makes every client control pass; `ssh_config.d` is included first on Debian. */
export const HARDENED_CLIENT_DROPIN = `# written by the ssh-baseline tests
Host *
  Ciphers ${STRONG_CIPHERS.join(',')}
  MACs ${STRONG_MACS.join(',')}
  KexAlgorithms ${STRONG_KEX.join(',')}
  RequiredRSASize 3072
  ForwardAgent no
  ForwardX11 no
  ForwardX11Trusted no
  HostbasedAuthentication no
  EnableSSHKeysign no
  PasswordAuthentication no
  KbdInteractiveAuthentication no
  GSSAPIAuthentication no
  GSSAPIDelegateCredentials no
  Tunnel no
  PermitLocalCommand no
  StrictHostKeyChecking ask
  CheckHostIP yes
  HashKnownHosts yes
  BatchMode no
  Port 22
`;

/**
 * Hardens an instance as root (sh): the server and client drop-ins, sshd_config readable by root
 * only, moduli of 3072 bits and more. The running sshd keeps its loaded configuration, so the
 * test's root login still works.
 */
export const HARDEN_SCRIPT = `set -e
cat > ${DROPIN_DIR}/10-driftspec-hardening.conf <<'CONF'
${HARDENED_DROPIN}CONF
cat > ${CLIENT_DROPIN_DIR}/10-driftspec-hardening.conf <<'CONF'
${HARDENED_CLIENT_DROPIN}CONF
ssh -G -F /etc/ssh/ssh_config driftspec.invalid </dev/null >/dev/null
chmod 0600 /etc/ssh/sshd_config
[ -e /etc/ssh/moduli.driftspec-stock ] || cp -p /etc/ssh/moduli /etc/ssh/moduli.driftspec-stock
awk '$5 >= 3071' /etc/ssh/moduli.driftspec-stock > /etc/ssh/moduli
/usr/sbin/sshd -t
`;

/**
 * On top of the hardened state: a Match block that re-enables password logins for a group root is
 * in, and a client Host block, read before the hardening, that forwards the agent to example.org.
 */
export const MATCH_WEAKENING_SCRIPT = `set -e
cat > ${DROPIN_DIR}/20-driftspec-match.conf <<'CONF'
Match Group root,sudo
  PasswordAuthentication yes
CONF
cat > ${CLIENT_DROPIN_DIR}/05-driftspec-host.conf <<'CONF'
Host *.example.org
  ForwardAgent yes
CONF
/usr/sbin/sshd -t
ssh -G -F /etc/ssh/ssh_config driftspec.invalid </dev/null >/dev/null
`;

/** A drop-in under which every sshd_config control fails. */
export const WEAK_DROPIN = `# written by the ssh-baseline recordings
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication yes
PermitEmptyPasswords yes
MaxAuthTries 10
LoginGraceTime 0
ClientAliveInterval 0
ClientAliveCountMax 0
X11Forwarding yes
AllowTcpForwarding yes
AllowAgentForwarding yes
PermitTunnel yes
GatewayPorts yes
PermitUserEnvironment yes
UseDNS yes
Compression yes
LogLevel QUIET
StrictModes no
IgnoreRhosts no
HostbasedAuthentication yes
IgnoreUserKnownHosts no
GSSAPIAuthentication yes
GSSAPIKeyExchange yes
KerberosAuthentication yes
MaxSessions 50
MaxStartups 100:30:1000
UsePAM no
PubkeyAuthentication no
PrintLastLog no
FingerprintHash md5
SyslogFacility LOCAL7
PermitUserRC yes
Banner none
RequiredRSASize 1024
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_dsa_key
Ciphers +3des-cbc,aes128-cbc
MACs +hmac-md5,hmac-sha1-96
KexAlgorithms +diffie-hellman-group1-sha1,diffie-hellman-group14-sha1
HostKeyAlgorithms +ssh-rsa,ssh-dss
PubkeyAcceptedAlgorithms +ssh-rsa,ssh-dss
HostbasedAcceptedAlgorithms +ssh-rsa
CASignatureAlgorithms +ssh-rsa
Port 2222
KerberosTicketCleanup no
GSSAPICleanupCredentials no
TCPKeepAlive yes
X11UseLocalhost no
PrintMotd yes
`;

/** A client drop-in under which every ssh_config control fails. */
export const WEAK_CLIENT_DROPIN = `# written by the ssh-baseline recordings
Host *.example.org
  ForwardX11 yes
  Tunnel yes
  StrictHostKeyChecking no
Host *
  Ciphers +aes128-cbc,3des-cbc
  MACs +hmac-md5
  KexAlgorithms +diffie-hellman-group1-sha1
  HostKeyAlgorithms +ssh-rsa,ssh-dss
  PubkeyAcceptedAlgorithms +ssh-rsa
  HostbasedAcceptedAlgorithms +ssh-rsa
  CASignatureAlgorithms +ssh-rsa
  RequiredRSASize 1024
  ForwardAgent yes
  ForwardX11 yes
  ForwardX11Trusted yes
  HostbasedAuthentication yes
  EnableSSHKeysign yes
  PasswordAuthentication yes
  KbdInteractiveAuthentication yes
  GSSAPIAuthentication yes
  GSSAPIDelegateCredentials yes
  Tunnel yes
  PermitLocalCommand yes
  StrictHostKeyChecking no
  CheckHostIP no
  HashKnownHosts no
  BatchMode yes
  Port 2222
`;

/**
 * Undoes the hardening, then weakens (sh, as root): the weak drop-ins with a DSA host key, /etc/ssh
 * and the drop-in folders group-writable, a private key in group adm, a public key and ssh_config writable
 * by everyone.
 */
export const WEAKEN_SCRIPT = `set -e
rm -f ${DROPIN_DIR}/10-driftspec-hardening.conf ${DROPIN_DIR}/20-driftspec-match.conf
rm -f ${CLIENT_DROPIN_DIR}/10-driftspec-hardening.conf ${CLIENT_DROPIN_DIR}/05-driftspec-host.conf
cat > ${CLIENT_DROPIN_DIR}/05-driftspec-weak.conf <<'CONF'
${WEAK_CLIENT_DROPIN}CONF
chgrp adm ${CLIENT_DROPIN_DIR}
chmod 0775 ${CLIENT_DROPIN_DIR}
chmod 0666 /etc/ssh/ssh_config
ssh -G -F /etc/ssh/ssh_config driftspec.invalid </dev/null >/dev/null
cp -p /etc/ssh/moduli.driftspec-stock /etc/ssh/moduli
chmod 0644 /etc/ssh/sshd_config
ssh-keygen -q -t dsa -N '' -f /etc/ssh/ssh_host_dsa_key
cat > ${DROPIN_DIR}/05-driftspec-weak.conf <<'CONF'
${WEAK_DROPIN}Match Group root,sudo
  PasswordAuthentication yes
CONF
chgrp adm /etc/ssh ${DROPIN_DIR} /etc/ssh/ssh_host_ecdsa_key
chmod 0775 /etc/ssh ${DROPIN_DIR}
chmod 0666 /etc/ssh/ssh_host_ed25519_key.pub
/usr/sbin/sshd -t
`;

/** The instance states recorded, in the order record.mts makes them, and the script that makes each. */
export const RECORDED_STATES = [
  { name: 'stock', prepare: '' },
  { name: 'hardened', prepare: HARDEN_SCRIPT },
  { name: 'hardened-match', prepare: MATCH_WEAKENING_SCRIPT },
  { name: 'weak', prepare: WEAKEN_SCRIPT },
] as const;

export type RecordedState = (typeof RECORDED_STATES)[number]['name'];
