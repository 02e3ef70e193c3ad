import { isSpecError } from '../../inputs/input-error.js';
import { PlanAssembler } from '../../plan/assemble.js';
import type { Plan } from '../../plan/schema.js';
import { createRegistry, type ResourceRegistry } from '../../resources/index.js';
import { parseTargetAddress, TargetAddressError, type TargetAddress } from '../../targets/address.js';
import type { VerifyPackagesFlags } from '../flags.js';
import type { CliIo } from '../io.js';
import { usageError } from '../usage.js';
import { checkRunFlags, fixedPlanning, runOnTargets } from './run-action.js';

export const VERIFY_PACKAGES_CONTROL = 'package-integrity';

/**
 * `driftspec verify-packages`: one `package_integrity` check per `--under` path, run like any
 * spec (one probe per host, the run reports, the gate's exit codes).
 */
export async function verifyPackagesCommand(targets: string[], flags: VerifyPackagesFlags, io: CliIo): Promise<number> {
  const registry = createRegistry();
  const addresses = targets.map(targetAddress);
  const checked = await checkRunFlags(flags, io);
  const plan = verifyPackagesPlan(registry, flags.under ?? ['/'], flags.conffiles);
  const local = addresses.length === 0 && flags.inventory === undefined ? [{ kind: 'local' as const }] : [];
  const checks = { registry, named: 'an argument', ...checked };
  return runOnTargets([...addresses, ...local], flags, io, checks, async () => fixedPlanning(plan));
}

export function verifyPackagesPlan(registry: ResourceRegistry, roots: readonly string[], conffiles: boolean): Plan {
  const plan = new PlanAssembler(registry);
  plan.beginSpec({ name: 'verify-packages', title: "Installed packages' files against the package manager's records" });
  plan.addControl({
    id: VERIFY_PACKAGES_CONTROL,
    title: "Package files match the package manager's records",
    impact: 'high',
  });
  for (const root of roots) {
    try {
      plan.addCheck({
        control: VERIFY_PACKAGES_CONTROL,
        resource: 'package_integrity',
        subject: root,
        matcher: 'verified',
        negated: false,
        args: conffiles ? { conffiles: true } : {},
      });
    } catch (error) {
      if (isSpecError(error)) throw usageError(`--under ${JSON.stringify(root)}: ${error.message}`);
      throw error;
    }
  }
  return plan.finish();
}

function targetAddress(text: string): TargetAddress {
  try {
    return parseTargetAddress(text);
  } catch (error) {
    if (error instanceof TargetAddressError) throw usageError(`${text}: ${error.message}`);
    throw error;
  }
}
