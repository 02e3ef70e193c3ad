import { z } from 'zod';
import {
  attributesOf,
  listCollection,
  type GeneratedCheck,
  type InventoryPart,
  type MatcherValue,
} from '../inventory-part.js';
import { parseGroupLine } from '../user/index.js';
import { accountsListing, firstByName, noOtherEntries } from '../user/inventory.js';

/** Identity: name. Members in the order the group database lists them. */
export const SnapshotGroupSchema = z.object({
  name: z.string().min(1),
  gid: z.number().int().nonnegative(),
  members: z.array(z.string()),
});
export type SnapshotGroup = z.infer<typeof SnapshotGroupSchema>;

export const groupInventory: InventoryPart<SnapshotGroup> = {
  kind: 'groups',
  noun: 'group',
  listing: accountsListing('group', parseGroupLine),
  collection: listCollection(
    SnapshotGroupSchema,
    (g) => g.name,
    (g) => g.gid,
  ),
  identity: (g) => g.name,
  attributes: attributesOf(SnapshotGroupSchema, ['name']),
  // A name listed twice in group is recorded twice: lookups find the first.
  unique: false,
  generate: (snapshot) => [
    { id: 'groups', title: 'Groups', checks: groupChecks(snapshot.groups as SnapshotGroup[]) },
    {
      id: 'accounts-none-added',
      title: 'No accounts or groups beyond the recorded ones',
      checks: [...noOtherEntries('passwd', 'users', snapshot), ...noOtherEntries('group', 'groups', snapshot)],
    },
  ],
};

function groupChecks(groups: readonly SnapshotGroup[]): GeneratedCheck[] {
  return firstByName(groups).map((group) => {
    const matchers: [string, MatcherValue][] = [
      ['exists', true],
      ['gid', group.gid],
    ];
    if (group.members.length > 0) matchers.push(['members', { contains: [...group.members] }]);
    return { resource: 'group', subject: group.name, matchers };
  });
}
