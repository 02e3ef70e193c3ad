import { Option, type Command } from 'commander';
import type { JumpSpec } from '../targets/jump-spec.js';
import type { SshFlags } from '../targets/ssh-settings.js';
import {
  collect,
  collectFingerprint,
  collectJumps,
  parsePositive,
  parseProxyCommand,
  parseSudoUser,
} from './options.js';

/**
 * The options that say how to reach and log in to targets and how long a probe may run: the same
 * for every command that probes hosts (run, snapshot, drift).
 */
export function addConnectionOptions(command: Command): Command {
  return command
    .option('--timeout <seconds>', 'how long the probe may run on one host', parsePositive, 300)
    .option(
      '-i, --identity <file>',
      'SSH private key to log in with (repeatable; default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa)',
      collect,
    )
    .option(
      '--known-hosts <file>',
      'known_hosts file to verify host keys with (repeatable; default: ~/.ssh/known_hosts and ' +
        '/etc/ssh/ssh_known_hosts)',
      collect,
    )
    .option(
      '--host-key <fingerprint>',
      'accept only this host key, as "ssh-keygen -lf" prints it: SHA256:… (repeatable)',
      collectFingerprint,
    )
    .option(
      '--accept-new-host-keys',
      'trust the key of a host that known_hosts does not list (never a changed key; known_hosts is not written)',
    )
    .option('--connect-timeout <seconds>', 'how long connecting and logging in to one host may take', parsePositive, 10)
    .option(
      '--ssh-config <file>',
      'ssh_config file for HostName, User, Port, IdentityFile, ProxyJump and ProxyCommand, read instead of ' +
        '~/.ssh/config and /etc/ssh/ssh_config (default: both, where they exist)',
    )
    .option('--no-ssh-config', 'read no ssh_config file')
    .addOption(
      new Option(
        '--proxy-command <command>',
        "reach every SSH target through this command's stdin and stdout, run with /bin/sh -c as OpenSSH runs " +
          'ProxyCommand (tokens %h %p %r %n %%); replaces ProxyCommand and ProxyJump from ssh_config',
      )
        .argParser(parseProxyCommand)
        .conflicts('jump'),
    )
    .option(
      '-J, --jump <hosts>',
      'jump hosts to reach every SSH target through: [user@]host[:port] or ssh://… (comma list or repeatable, ' +
        'first hop first; replaces ProxyJump and ProxyCommand)',
      collectJumps,
    )
    .option(
      '--sudo',
      'run the whole probe through sudo, once per host (sudo -n; with DRIFTSPEC_SUDO_PASSWORD set, sudo -S with the ' +
        'password on stdin)',
    )
    .option('--sudo-user <user>', 'the user sudo runs the probe as (default root; implies --sudo)', parseSudoUser);
}

export interface ConnectionFlags extends SshFlags {
  /** Seconds. */
  timeout: number;
  jump?: JumpSpec[];
  sudo?: boolean;
  sudoUser?: string;
}
