import type { ProfileRecord } from '../results/schema.js';

/** `site-baseline 0.3.0 (sha256:0afcb96387dc…)`: enough of the hash to tell two copies apart at a glance. */
export function describeProfile(profile: ProfileRecord): string {
  return `${profile.name} ${profile.version} (${profile.hash.slice(0, 'sha256:'.length + 12)}…)`;
}

export function describeProfiles(profiles: readonly ProfileRecord[]): string {
  return profiles.map(describeProfile).join(', ');
}
