import { SpecError } from '../../inputs/input-error.js';

/**
 * An image archive driftspec will not unpack: hostile, corrupt, incomplete or unreadable. Named
 * SpecError (exit 78, like any bad input file) and rethrown past the host's result, so a refused
 * archive ends the command instead of becoming one host's error.
 */
export class ArchiveRefusedError extends SpecError {}

/** Where in the archive a refusal is: the layer (by digest) and the member, as far as known. */
export interface ArchivePlace {
  archive: string;
  layer?: string;
  member?: string;
}

export function refuse(place: ArchivePlace, problem: string): ArchiveRefusedError {
  const layer = place.layer === undefined ? '' : `, layer ${place.layer}`;
  const member = place.member === undefined ? '' : `, member ${JSON.stringify(place.member)}`;
  return new ArchiveRefusedError(`image archive ${place.archive}${layer}${member}: ${problem}`);
}

/** A member that cannot be read or applied, before the caller adds which archive and layer it is in. */
export class MemberError extends Error {
  override name = 'MemberError';
  constructor(
    message: string,
    readonly member?: string,
  ) {
    super(message);
  }
}
