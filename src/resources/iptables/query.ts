import type { Frame } from '../../probe/frames.js';
import { partScript, partsScript } from '../../probe/parts.js';
import { FactError, readParts, requireExit } from '../resource.js';
import { parseIptablesSave, type IptablesBackend, type IptablesChain } from './save-format.js';

export const IPTABLES_FAMILIES = ['ipv4', 'ipv6'] as const;
export type IptablesFamily = (typeof IPTABLES_FAMILIES)[number];

const SAVE_COMMAND: Record<IptablesFamily, string> = { ipv4: 'iptables-save', ipv6: 'ip6tables-save' };

/**
 * One query answers every iptables check and the snapshot: `iptables-save` and `ip6tables-save`
 * (whichever backend the host's alternatives choose), and the legacy tool where it exists too:
 * with the nf_tables backend, rules loaded through the legacy one still filter packets but are
 * not shown by `iptables-save`.
 */
export const IPTABLES_SCRIPT = partsScript(
  IPTABLES_FAMILIES.flatMap((family) => {
    const command = SAVE_COMMAND[family];
    const legacy = command.replace('-save', '-legacy-save');
    return [
      partScript(family, `exec ${command}`),
      `if ds_has ${legacy}; then\n${partScript(`${family}-legacy`, `exec ${legacy}`)}\nfi`,
    ];
  }),
);

export interface BackendChain extends IptablesChain {
  backend: IptablesBackend;
}

/**
 * The rules of one family, or why they could not be read (kept per family: IPv4 checks stand
 * without IPv6); `noTool` where the save command is not installed at all.
 */
export type FamilyRules = { chains: BackendChain[]; backends: IptablesBackend[] } | { unknown: string; noTool?: true };

export type IptablesFacts = Record<IptablesFamily, FamilyRules>;

export function parseIptables(frame: Frame): IptablesFacts {
  const parts = readParts(frame, 'reading the iptables rules');
  return { ipv4: readFamily(parts, 'ipv4'), ipv6: readFamily(parts, 'ipv6') };
}

function readFamily(parts: ReadonlyMap<string, Frame>, family: IptablesFamily): FamilyRules {
  try {
    const command = SAVE_COMMAND[family];
    const main = readSave(parts.get(family), command, 'nf_tables');
    const legacyCommand = command.replace('-save', '-legacy-save');
    const legacyPart = parts.get(`${family}-legacy`);
    // Where the default tool is the legacy one, the legacy part repeats it.
    // An output without any table has no header: it names no backend.
    const mainBackends = main.chains.length > 0 ? [main.backend] : [];
    if (main.backend === 'legacy' || !legacyPart) return { chains: main.chains, backends: mainBackends };
    const legacy = readSave(legacyPart, legacyCommand, 'legacy');
    if (legacy.chains.length === 0) return { chains: main.chains, backends: mainBackends };
    return { chains: [...main.chains, ...legacy.chains], backends: [...mainBackends, 'legacy'] };
  } catch (error) {
    const noTool = parts.get(family)?.exitCode === 127;
    if (error instanceof FactError) return noTool ? { unknown: error.message, noTool } : { unknown: error.message };
    throw error;
  }
}

function readSave(part: Frame | undefined, command: string, fallback: IptablesBackend) {
  if (!part) throw new FactError(`reading the iptables rules: the output has no part for ${command}`);
  requireExit(part, [0], command);
  const ruleset = parseIptablesSave(part.stdout.toString('utf8'), command, fallback);
  return {
    backend: ruleset.backend,
    chains: ruleset.chains.map((chain): BackendChain => ({ ...chain, backend: ruleset.backend })),
  };
}
