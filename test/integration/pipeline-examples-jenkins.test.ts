import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { requireInCi } from '../support/environment.js';
import {
  blockAfter,
  credentialVariables,
  decisionsOf,
  echoedTexts,
  type GroovyToken,
  ignoredStatuses,
  methodBodies,
  shellSteps,
  stageBody,
  stageNames,
  statusUses,
  tokenizeGroovy,
} from '../support/groovy-structure.js';
import { hasShellcheck, shellcheckFindings } from '../support/shellcheck.js';

const JENKINSFILE = readFileSync(fileURLToPath(new URL('../../examples/jenkins/Jenkinsfile', import.meta.url)), 'utf8');
const tokens = tokenizeGroovy(JENKINSFILE);

function text(part: GroovyToken[] | undefined): string {
  return (part ?? []).map((token) => (token.kind === 'string' ? `'${token.text}'` : token.text)).join(' ');
}

/** The method that acts on the status of the sh step whose script runs `driftspec <command>`. */
function statusHandler(command: string): string {
  const uses = statusUses(tokens).filter((use) => use.step.script.includes(`driftspec ${command} `));
  expect(uses, `one sh(returnStatus: true) step running driftspec ${command}`).to.have.length(1);
  expect(uses[0]!.handedTo, `the method the ${command} status is handed to`).to.have.length(1);
  return uses[0]!.handedTo[0]!;
}

function decisionTable(method: string): Record<string, string[]> {
  const body = methodBodies(tokens).get(method);
  expect(body, `method ${method}`).to.not.equal(undefined);
  return Object.fromEntries(decisionsOf(body!).map((decision) => [decision.when, decision.calls]));
}

describe('examples/jenkins/Jenkinsfile', () => {
  it('reads Groovy strings, comments and escapes as Groovy does', () => {
    const read = tokenizeGroovy(
      "sh '''\n  a \\\n  b // not a comment\n''' // a comment\necho \"it's $x\" /* and\n another */ x",
    );
    expect(read.map((token) => [token.kind, token.text, token.line])).to.deep.equal([
      ['word', 'sh', 1],
      ['string', '\n  a   b // not a comment\n', 1],
      ['word', 'echo', 5],
      ['string', "it's $x", 5],
      ['word', 'x', 6],
    ]);
    expect(() => tokenizeGroovy("stage('Verify) {\n}")).to.throw('line 1: unterminated string');
    expect(() => tokenizeGroovy('pipeline { /* open')).to.throw('line 1: unterminated comment');
  });

  it('is a declarative pipeline whose stages run in the order of the image flow', () => {
    expect(tokens[0]).to.deep.include({ kind: 'word', text: 'pipeline' });
    expect(stageNames(tokens)).to.deep.equal([
      'Packer validate',
      'Packer build',
      'Verify',
      'Drift',
      'Promote',
      'Terraform apply',
    ]);
  });

  it('validates and builds the Packer template, and takes the image id from the build log', () => {
    expect(JENKINSFILE).to.include("PACKER_TEMPLATE = 'examples/packer/candidate.pkr.hcl'");
    const scripts = shellSteps(tokens).map((step) => step.script);
    expect(scripts).to.include('packer validate "$PACKER_TEMPLATE"');
    expect(scripts.some((script) => script.includes('packer build -machine-readable "$PACKER_TEMPLATE"'))).to.equal(
      true,
    );
    expect(text(stageBody(tokens, 'Packer build'))).to.include(
      "env . IMAGE_ID = imageIdFrom ( readFile ( 'packer-build.log' ) )",
    );
  });

  it('acts on the status of every sh step that asks for it (returnStatus: true)', () => {
    expect(ignoredStatuses(tokens)).to.deep.equal([]);
    expect(statusUses(tokens).map((use) => use.step.script.match(/driftspec \w+/)?.[0])).to.deep.equal([
      'driftspec run',
      'driftspec drift',
      'driftspec promote',
    ]);
  });

  it('finds the pitfall: a status asked for and then ignored, or never kept', () => {
    const ignored = tokenizeGroovy(`pipeline { stages { stage('Verify') { steps { script {
      int status = sh(script: 'driftspec run spec.yaml', returnStatus: true)
      echo "driftspec exited \${status}"
    } } } } }`);
    expect(ignoredStatuses(ignored)).to.deep.equal([
      'line 2: status status is never tested nor handed to a method that acts on it',
    ]);
    const discarded = tokenizeGroovy(`pipeline { stages { stage('Verify') { steps { script {
      sh(returnStatus: true, script: 'driftspec run spec.yaml')
    } } } } }`);
    expect(ignoredStatuses(discarded)).to.deep.equal(['line 2: the status of sh(returnStatus: true) is not kept']);
    const unknownMethod = tokenizeGroovy(`pipeline { stages { stage('Verify') { steps { script {
      def status = sh(script: 'driftspec run spec.yaml', returnStatus: true)
      println(status)
    } } } } }`);
    expect(ignoredStatuses(unknownMethod)).to.have.length(1);
  });

  it('fails the build on errors and bad input, and lets the parameter choose for failed checks (run)', () => {
    expect(decisionTable(statusHandler('run'))).to.deep.equal({
      'case 0': ['return'],
      'case 1': ['blockedByFindings', 'return'],
      'case 2': ['error', 'return'],
      'case 78': ['error', 'return'],
      default: ['error'],
    });
  });

  it('acts on the drift bitmask: 16 and above and incomplete (8) fail, other drift is a finding', () => {
    expect(decisionTable(statusHandler('drift'))).to.deep.equal({
      'if status >= 16': ['error'],
      'if ( status & 8 ) != 0': ['error'],
      'if status != 0': ['blockedByFindings'],
    });
  });

  it('acts on every exit code of driftspec promote', () => {
    expect(decisionTable(statusHandler('promote'))).to.deep.equal({
      'case 0': ['return'],
      'case 1': ['blockedByFindings', 'return'],
      'case 2': ['error', 'return'],
      'case 73': ['error', 'return'],
      'case 78': ['error', 'return'],
      default: ['error'],
    });
  });

  it('makes failed checks UNSTABLE or FAILURE by the ON_FAILED_CHECKS parameter', () => {
    expect(JENKINSFILE).to.match(/choice\(name: 'ON_FAILED_CHECKS', choices: \['UNSTABLE', 'FAILURE'\]/);
    const body = methodBodies(tokens).get('blockedByFindings')!;
    expect(decisionsOf(body)).to.deep.equal([{ when: "if params . ON_FAILED_CHECKS == 'FAILURE'", calls: ['error'] }]);
    expect(text(body.slice(-4))).to.equal('unstable ( message )');
  });

  it('promotes and deploys only a build that is still a success, and deploys only a promoted image', () => {
    const successOnly = "expression { currentBuild . currentResult == 'SUCCESS' }";
    expect(text(blockAfter(stageBody(tokens, 'Promote')!, 'when'))).to.equal(successOnly);
    expect(text(blockAfter(stageBody(tokens, 'Terraform apply')!, 'when'))).to.equal(
      "expression { env . PROMOTED_IMAGE_ID != null && currentBuild . currentResult == 'SUCCESS' }",
    );
    expect(text(stageBody(tokens, 'Promote'))).to.include(
      'if ( promoteStatus == 0 ) { env . PROMOTED_IMAGE_ID = env . IMAGE_ID }',
    );
    const apply = shellSteps(tokens).find((step) => step.script.includes('terraform -chdir="$TERRAFORM_DIR" apply'));
    expect(apply?.script).to.include('-var "golden_record_path=$WORKSPACE/$GOLDEN_RECORD"');
  });

  it("publishes driftspec's JUnit report with the junit step and archives the HTML report, whatever the result", () => {
    const run = statusUses(tokens).find((use) => use.step.script.includes('driftspec run '))!.step.script;
    expect(run)
      .to.include('--reporter "junit:$REPORTS/junit.xml"')
      .and.include('--reporter "html:$REPORTS/report.html"');
    const always = text(blockAfter(blockAfter(stageBody(tokens, 'Verify')!, 'post')!, 'always'));
    // The gate alone decides the result: test failures the policy allows must not make the build UNSTABLE.
    expect(always).to.include(
      "junit testResults : 'reports/junit.xml' , allowEmptyResults : true , skipMarkingBuildUnstable : true",
    );
    expect(always).to.include("archiveArtifacts artifacts : 'reports/report.html, reports/run.json'");
  });

  it('takes credentials only through withCredentials, and never echoes or interpolates them in Groovy', () => {
    const secrets = credentialVariables(tokens);
    expect(secrets).to.have.members(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'SSH_KEY', 'SSH_USER']);
    expect(text(stageBody(tokens, 'Verify'))).to.include(
      "sshUserPrivateKey ( credentialsId : 'candidate-ssh' , " +
        "keyFileVariable : 'SSH_KEY' , usernameVariable : 'SSH_USER' )",
    );
    const groovyInterpolated = tokens.filter((token) => token.quote?.startsWith('"') && token.text.includes('$'));
    const echoed = echoedTexts(tokens);
    for (const secret of secrets) {
      const mention = new RegExp(`\\b${secret}\\b`);
      expect(
        groovyInterpolated.filter((token) => mention.test(token.text)),
        secret,
      ).to.deep.equal([]);
      expect(
        echoed.filter((echo) => mention.test(echo)),
        secret,
      ).to.deep.equal([]);
      for (const step of shellSteps(tokens)) {
        expect(step.quote, `sh at line ${step.line} runs in single quotes`).to.match(/^'/);
        const printing = step.script.split('\n').filter((line) => /\b(echo|printf|cat)\b/.test(line));
        expect(
          printing.filter((line) => mention.test(line)),
          `sh at line ${step.line}`,
        ).to.deep.equal([]);
        expect(step.script).to.not.match(/\bset\s+-\w*x/);
      }
    }
  });

  it('has shell steps that ShellCheck finds clean', function () {
    if (!hasShellcheck()) return requireInCi(this, 'shellcheck is not installed');
    expect(shellcheckFindings('cp $from $to\n', 'sh'), 'ShellCheck reports an unquoted variable').to.not.deep.equal([]);
    for (const step of shellSteps(tokens)) {
      expect(shellcheckFindings(step.script, 'sh'), `sh at line ${step.line}`).to.deep.equal([]);
    }
  });
});
