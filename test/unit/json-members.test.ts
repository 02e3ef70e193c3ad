import { expect } from 'chai';
import { JsonMemberScanner } from '../../src/inputs/json-members.js';

const DOCUMENT = JSON.stringify(
  {
    schemaVersion: 1,
    'odd "key"\\': 'a } ] , string with \\" quotes',
    hosts: [{ target: 'h1', evidence: { x: { stdout: '[{"nested": "}"]' } } }, [], 'h3', -1.5e3, null, true],
    after: { list: [1, 2, { deep: [] }] },
    empty: [],
  },
  null,
  2,
);

interface Scanned {
  members: Record<string, unknown>;
  items: unknown[];
}

function scan(pieces: readonly string[], maxValueChars = 1_000_000): Scanned {
  const scanned: Scanned = { members: {}, items: [] };
  const scanner = new JsonMemberScanner(
    'doc.json',
    'hosts',
    {
      member: (key, text) => void (scanned.members[key] = JSON.parse(text)),
      item: (index, text) => void (scanned.items[index] = JSON.parse(text)),
    },
    maxValueChars,
    'expected a JSON object: a test document',
  );
  for (const piece of pieces) scanner.push(piece);
  scanner.end();
  return scanned;
}

function refusal(text: string, maxValueChars?: number): string {
  try {
    scan([text], maxValueChars);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the document to be refused');
}

describe('JsonMemberScanner: a JSON object read in pieces, one list streamed item by item', () => {
  const expected = JSON.parse(DOCUMENT) as { hosts: unknown[] };
  const whole = { members: { ...expected, hosts: [] }, items: expected.hosts };

  it('gives every member and every item as JSON.parse does, the text cut anywhere', () => {
    expect(scan([DOCUMENT])).to.deep.equal(whole);
    for (let cut = 0; cut <= DOCUMENT.length; cut++)
      expect(scan([DOCUMENT.slice(0, cut), DOCUMENT.slice(cut)]), `cut at ${cut}`).to.deep.equal(whole);
    expect(scan([...DOCUMENT])).to.deep.equal(whole);
  });

  it('reads a document on one line and an empty object', () => {
    expect(scan([JSON.stringify(JSON.parse(DOCUMENT))])).to.deep.equal(whole);
    expect(scan([' {} \n'])).to.deep.equal({ members: {}, items: [] });
  });

  it('refuses what is not one JSON object, naming the file', () => {
    expect(refusal('')).to.equal('doc.json: not JSON: the file is empty');
    expect(refusal('[1, 2]')).to.equal('doc.json: expected a JSON object: a test document');
    expect(refusal('{"hosts": [{"a": 1}')).to.equal(
      'doc.json: not JSON: the file ends in the middle of the document (cut short?)',
    );
    expect(refusal('{"a": 1} x')).to.equal('doc.json: not JSON: text after the end of the document ("x")');
    expect(refusal('{"a" 1}')).to.equal('doc.json: not JSON: expected : but found "1"');
    expect(refusal('{"a": 1 "b": 2}')).to.equal('doc.json: not JSON: expected , but found """');
    expect(refusal('{"hosts": [1 2]}')).to.equal('doc.json: not JSON: expected , but found "2"');
    expect(refusal('{"a": }')).to.equal('doc.json: not JSON: expected a value but found "}"');
    expect(refusal('{"hosts": [], "hosts": []}')).to.equal('doc.json: not JSON: the key "hosts" appears twice');
    expect(refusal('{a: 1}')).to.equal('doc.json: not JSON: expected " but found "a"');
  });

  it('refuses a value larger than its bound before holding more of it', () => {
    const big = `{"hosts": ["${'x'.repeat(200)}"]}`;
    expect(refusal(big, 100)).to.equal('doc.json: not accepted: a value of more than 100 characters');
    expect(scan([big], 300).items).to.have.length(1);
  });
});
