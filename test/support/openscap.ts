import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Debian's SCAP Security Guide (ssg-debian 0.1.65) has data streams for Debian 10 and 11 only. */
export const SSG_DEBIAN11_DS = '/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml';
const RULE_PREFIX = 'xccdf_org.ssgproject.content_rule_';

export type RecordedInstance = 'stock' | 'hardened';
type ScapVerdict = 'pass' | 'fail' | 'notapplicable';
type DriftspecVerdict = 'passed' | 'failed' | 'not-applicable';

/**
 * One SSG rule and the Linux baseline check (`control#n`) or control that judges the same thing.
 * `differs` holds, per instance, the verdicts [OpenSCAP, driftspec] where they are known to
 * differ; docs/baselines.md explains each under `why`.
 */
export interface RuleMapping {
  rule: string;
  driftspec: string;
  differs?: Partial<Record<RecordedInstance, readonly [ScapVerdict, DriftspecVerdict]>>;
  why?: string;
}

function filePermissionRules(file: string, control: string): RuleMapping[] {
  return [
    { rule: `file_owner_${file}`, driftspec: `${control}#2` },
    { rule: `file_groupowner_${file}`, driftspec: `${control}#3` },
    { rule: `file_permissions_${file}`, driftspec: `${control}#4` },
  ];
}

const LOGIN_DEFS_WHY =
  "SSG's login.defs rules apply only where its platform check finds the package login installed, a dpkginfo " +
  'test, which finds no package offline (see package_audit_installed): so they are not applicable';
const CONTAINER_SYSCTL_WHY =
  "in a container the kernel parameters are the host kernel's, so the baseline judges them not applicable; " +
  "OpenSCAP, evaluating the instance's root offline, passes or fails them by the sysctl files of the root " +
  "(on stock only fs.protected_hardlinks and fs.protected_symlinks, set by systemd's protect-links.conf, pass)";
const DEV_SHM_WHY =
  'the baseline asks nodev, nosuid and noexec of /dev/shm in one check; SSG has a rule per option, ' +
  'and the stock /dev/shm has nodev and nosuid but not noexec';

const DPKG_OFFLINE_WHY =
  "OpenSCAP 1.3.7's dpkginfo probe finds no package in an offline (oscap-chroot) evaluation: every " +
  '`package_*_installed` rule fails and every `package_*_removed` rule passes, whatever the root holds';

export const SSG_MAPPING: readonly RuleMapping[] = [
  ...filePermissionRules('etc_passwd', 'os-01'),
  ...filePermissionRules('backup_etc_passwd', 'os-02'),
  ...filePermissionRules('etc_group', 'os-03'),
  ...filePermissionRules('backup_etc_group', 'os-04'),
  ...filePermissionRules('etc_shadow', 'os-05'),
  ...filePermissionRules('backup_etc_shadow', 'os-06'),
  ...filePermissionRules('etc_gshadow', 'os-07'),
  ...filePermissionRules('backup_etc_gshadow', 'os-08'),
  { rule: 'account_unique_name', driftspec: 'os-11#1' },
  { rule: 'accounts_no_uid_except_zero', driftspec: 'os-13#1' },
  { rule: 'gid_passwd_group_same', driftspec: 'os-14#1' },
  { rule: 'accounts_password_all_shadowed', driftspec: 'os-16#1' },
  { rule: 'no_empty_passwords_etc_shadow', driftspec: 'os-17#1' },
  {
    rule: 'accounts_umask_etc_login_defs',
    driftspec: 'os-18#1',
    differs: { stock: ['notapplicable', 'failed'], hardened: ['notapplicable', 'passed'] },
    why: LOGIN_DEFS_WHY,
  },
  {
    rule: 'accounts_maximum_age_login_defs',
    driftspec: 'os-19#1',
    differs: { stock: ['notapplicable', 'failed'], hardened: ['notapplicable', 'passed'] },
    why: LOGIN_DEFS_WHY,
  },
  {
    rule: 'accounts_minimum_age_login_defs',
    driftspec: 'os-20#1',
    differs: { stock: ['notapplicable', 'failed'], hardened: ['notapplicable', 'passed'] },
    why: LOGIN_DEFS_WHY,
  },
  {
    rule: 'accounts_password_warn_age_login_defs',
    driftspec: 'os-21#1',
    differs: { stock: ['notapplicable', 'passed'], hardened: ['notapplicable', 'passed'] },
    why: LOGIN_DEFS_WHY,
  },
  { rule: 'file_permissions_unauthorized_world_writable', driftspec: 'os-28#1' },
  { rule: 'dir_perms_world_writable_sticky_bits', driftspec: 'os-29#1' },
  { rule: 'no_rsh_trust_files', driftspec: 'os-32' },
  { rule: 'no_netrc_files', driftspec: 'os-32#4' },
  ...filePermissionRules('var_log', 'os-34'),
  {
    rule: 'mount_option_dev_shm_nodev',
    driftspec: 'os-44#2',
    differs: { stock: ['pass', 'failed'] },
    why: DEV_SHM_WHY,
  },
  {
    rule: 'mount_option_dev_shm_nosuid',
    driftspec: 'os-44#2',
    differs: { stock: ['pass', 'failed'] },
    why: DEV_SHM_WHY,
  },
  { rule: 'kernel_module_rds_disabled', driftspec: 'os-60#1' },
  { rule: 'kernel_module_tipc_disabled', driftspec: 'os-61#1' },
  { rule: 'package_telnetd_removed', driftspec: 'package-01#1' },
  { rule: 'package_inetutils-telnetd_removed', driftspec: 'package-01#2' },
  { rule: 'package_telnetd-ssl_removed', driftspec: 'package-01#3' },
  { rule: 'package_nis_removed', driftspec: 'package-03#2' },
  {
    rule: 'package_audit_installed',
    driftspec: 'package-16#1',
    differs: { hardened: ['fail', 'passed'] },
    why: DPKG_OFFLINE_WHY,
  },
  ...(
    [
      ['sysctl_net_ipv4_conf_all_arp_ignore', 'sysctl-10#1'],
      ['sysctl_net_ipv4_conf_all_shared_media', 'sysctl-11#1'],
      ['sysctl_net_ipv4_conf_default_shared_media', 'sysctl-11#2'],
      ['sysctl_kernel_randomize_va_space', 'sysctl-27#1'],
      ['sysctl_fs_suid_dumpable', 'sysctl-29#1'],
      ['sysctl_kernel_kptr_restrict', 'sysctl-30#1'],
      ['sysctl_fs_protected_hardlinks', 'sysctl-32#1'],
      ['sysctl_fs_protected_symlinks', 'sysctl-32#2'],
    ] as const
  ).map(([rule, driftspec]): RuleMapping => ({ rule, driftspec, why: CONTAINER_SYSCTL_WHY })),
];

/**
 * The Debian 11 data stream with its platform check widened to Debian 12 (`/etc/debian_version`
 * matching `^11.N` becomes `^1[12].N`), written to `dir`: without it every rule is not applicable
 * on Debian 12. Nothing else of the content changes.
 */
export function debian12DataStream(dir: string): string {
  const original = readFileSync(SSG_DEBIAN11_DS, 'utf8');
  const widened = original.replaceAll('<ind:pattern operation="pattern match">^11.[0-9]+$</ind:pattern>', (match) =>
    match.replace('^11.', '^1[12].'),
  );
  if (widened === original) throw new Error(`${SSG_DEBIAN11_DS}: no Debian 11 version check found to widen`);
  const path = join(dir, 'ssg-debian11-for-12-ds.xml');
  writeFileSync(path, widened);
  return path;
}

/** Why OpenSCAP cannot be run here, or undefined. */
export function openscapMissing(): string | undefined {
  const tools = ['oscap', 'oscap-chroot'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0,
  );
  const missing = [...tools, ...(existsSync(SSG_DEBIAN11_DS) ? [] : [SSG_DEBIAN11_DS])];
  return missing.length > 0
    ? `OpenSCAP is missing (${missing.join(', ')}): apt-get install openscap-scanner openscap-utils ssg-debian`
    : undefined;
}

/** Evaluates the mapped rules with `oscap-chroot` on a root directory: rule → verdict. */
export function evaluateOffline(root: string, dataStream: string, workDir: string): Map<string, string> {
  const rules = [...new Set(SSG_MAPPING.map((mapping) => mapping.rule))].flatMap((rule) => [
    '--rule',
    `${RULE_PREFIX}${rule}`,
  ]);
  const results = join(workDir, 'results.xml');
  const run = spawnSync('oscap-chroot', [root, 'xccdf', 'eval', ...rules, '--results', results, dataStream], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  // 0: every rule passed, 2: some failed; anything else is an error of the evaluation itself.
  if (run.status !== 0 && run.status !== 2) throw new Error(`oscap-chroot exited ${run.status}: ${run.stderr}`);
  const verdicts = new Map<string, string>();
  const xml = readFileSync(results, 'utf8');
  for (const match of xml.matchAll(/<rule-result idref="([^"]+)"[^>]*>[\s\S]*?<result>([a-z]+)<\/result>/g)) {
    verdicts.set(match[1]!.replace(RULE_PREFIX, ''), match[2]!);
  }
  return verdicts;
}
