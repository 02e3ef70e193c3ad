import { expect } from 'chai';
import { fleetInterrupt, INTERRUPTED_EXIT, watchInterrupts } from '../../src/cli/interrupt.js';
import type { CliIo } from '../../src/cli/io.js';

/** A stand-in for `process`: the test sends the signals. */
class Signals {
  private handler: (() => void) | undefined;
  on(_signal: 'SIGINT', handler: () => void): void {
    this.handler = handler;
  }
  send(): void {
    this.handler!();
  }
}

function watched() {
  const signals = new Signals();
  const exits: number[] = [];
  let stderr = '';
  const sink = {
    write: (text: string) => {
      stderr += text;
      return true;
    },
  } as CliIo['stderr'];
  const interrupts = watchInterrupts(signals, sink, (code) => exits.push(code));
  return { signals, exits, interrupts, stderr: () => stderr };
}

describe('Ctrl-C (SIGINT)', () => {
  it('first tells the fleet, which stops; a second Ctrl-C exits 130 at once', () => {
    const { signals, exits, interrupts, stderr } = watched();
    const fleet = fleetInterrupt({ interrupts } as CliIo);
    signals.send();
    expect(fleet.signal.aborted).to.equal(true);
    expect(exits).to.deep.equal([]);
    expect(stderr()).to.include('interrupted: no more hosts are started');
    signals.send();
    expect(exits).to.deep.equal([INTERRUPTED_EXIT]);
  });

  it('exits 130 at once when no fleet is listening (before hosts start, while reports are written)', () => {
    const { signals, exits, interrupts } = watched();
    const fleet = fleetInterrupt({ interrupts } as CliIo);
    fleet.release();
    signals.send();
    expect(fleet.signal.aborted).to.equal(false);
    expect(exits).to.deep.equal([130]);
  });

  it('gives a fleet a signal that never fires when the CLI runs without signals (tests, embedding)', () => {
    const fleet = fleetInterrupt({} as CliIo);
    expect(fleet.signal.aborted).to.equal(false);
    fleet.release();
  });
});
