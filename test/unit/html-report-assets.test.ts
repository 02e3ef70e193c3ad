import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { ASSET_MODULE, assetModuleText } from '../../scripts/inline-assets.js';

describe('html report assets', () => {
  it('reporters/html/assets.ts holds the asset files unchanged (else: npx tsx scripts/inline-assets.ts)', async () => {
    expect(await readFile(ASSET_MODULE, 'utf8')).to.equal(await assetModuleText());
  });

  it('each constant evaluates to its file byte for byte', async () => {
    const assets = await import('../../reporters/html/assets.js');
    const css = await readFile(new URL('../../reporters/html/assets/report.css', import.meta.url), 'utf8');
    const script = await readFile(new URL('../../reporters/html/assets/report.js', import.meta.url), 'utf8');
    expect(assets.REPORT_CSS).to.equal(css);
    expect(assets.REPORT_JS).to.equal(script);
  });
});
