import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { z } from 'zod';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const ManifestSchema = z.object({
  name: z.string(),
  description: z.string().min(20),
  keywords: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(5),
  license: z.string(),
  engines: z.object({ node: z.string() }),
  files: z.array(z.string()),
});
const manifest = ManifestSchema.parse(JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')));

/** The first line and the grant sentence of each license text this check knows, by SPDX id. */
const LICENSE_TEXTS: Record<string, { title: string; grant: RegExp }> = {
  MIT: {
    title: 'MIT License',
    grant: /Permission is hereby granted, free of charge, to any person obtaining a copy\s+of this software/,
  },
};

/** The paths `npm pack` would put in the package (scripts not run, so no build is needed). */
function packedFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  const [pack] = z.array(z.object({ files: z.array(z.object({ path: z.string() })) })).parse(JSON.parse(output));
  return pack!.files.map((file) => file.path);
}

describe('package metadata and LICENSE', () => {
  it('has a LICENSE whose text is the license package.json names, with no placeholder left', () => {
    const license = readFileSync(`${REPO}LICENSE`, 'utf8');
    const expected = LICENSE_TEXTS[manifest.license];
    expect(expected, `a known SPDX id in package.json: ${manifest.license}`).to.not.equal(undefined);
    expect(license.split('\n')[0]).to.equal(expected!.title);
    expect(license).to.match(expected!.grant);
    expect(license).to.match(/^Copyright \(c\) \d{4} \S/m);
    expect(license).to.not.match(/<[^>]+>|\[[^\]]+\]/);
  });

  it('states the Node.js version the README requires', () => {
    const readme = readFileSync(`${REPO}README.md`, 'utf8');
    const version = /^>=(\d+\.\d+)$/.exec(manifest.engines.node)?.[1];
    expect(readme).to.include(`Node.js ≥ ${version} `);
  });

  it("packs the CLI, LICENSE, docs, pipeline examples and init's templates, and no tests", function () {
    this.timeout(60_000);
    const files = packedFiles();
    expect(files).to.include.members([
      'LICENSE',
      'README.md',
      'package.json',
      'bin/driftspec',
      'docs/pipelines.md',
      'examples/jenkins/Jenkinsfile',
      'examples/github-actions/golden-image.yml',
      'examples/gitlab-ci/.gitlab-ci.yml',
      'examples/terraform/main.tf',
      'specs/debian-web-server.yaml',
      ...readdirSync(`${REPO}templates/init`, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => relative(REPO, join(entry.parentPath, entry.name))),
    ]);
    expect(files.filter((path) => /^(test|node_modules|scratch)\//.test(path))).to.deep.equal([]);
  });
});
