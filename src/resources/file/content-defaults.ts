// The defaults of the text a snapshot keeps of small text files (inventory-content.ts), apart from
// its schema: the snapshot command's help names them, and every command's start-up loads that.

/** Paths whose text is never kept, whatever their mode (matched as `find -path`: "*" also matches "/"). */
export const DEFAULT_SECRET_GLOBS: readonly string[] = [
  '/etc/shadow*',
  '/etc/gshadow*',
  '/etc/security/opasswd',
  '*/ssh_host_*_key',
  '*/.ssh/id_*',
  '*.key',
  '*.p12',
  '*.pfx',
  '*.keytab',
  '*/private/*',
  '*/.netrc',
  '*/.pgpass',
  '*-secrets',
  '*secret*',
  '*password*',
  '*token*',
  '*credential*',
  '/etc/NetworkManager/system-connections/*',
  '/etc/wpa_supplicant/*',
];

export const DEFAULT_CONTENT_TREES: readonly string[] = ['/etc'];
export const DEFAULT_CONTENT_LIMIT = 64 * 1024;
/** The longest token the snapshot stream takes (src/drift/probe-stream.ts). */
export const MAX_CONTENT_LIMIT = 1024 * 1024;
