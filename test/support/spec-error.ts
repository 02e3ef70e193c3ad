import { isSpecError } from '../../src/inputs/input-error.js';

/** The message of the SpecError the action throws; any other outcome fails the test. */
export function refusal(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (isSpecError(error)) return error.message;
    throw error;
  }
  throw new Error('expected a SpecError');
}
