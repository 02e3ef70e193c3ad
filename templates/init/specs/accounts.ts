// The same kind of spec in TypeScript: driftspec compiles it itself (no build step);
// the tsconfig.json beside it lets an editor check it against driftspec's types.
import { control, spec, user } from 'driftspec';

export default spec('accounts', () => {
  control('accounts-01', { title: 'The superuser is root, with uid 0', impact: 'high' }, () => {
    user('root').exists().uid(0);
  });
});
