import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkCitations, formatProblems, headingSlug } from './doc-citations';

describe('document citations', () => {
  it('name documents and sections that exist in the repository', () => {
    const problems = checkCitations(join(__dirname, '..'));
    // On failure the message lists every `file:line: what is wrong`.
    expect(formatProblems(problems)).toBe('');
  });
});

describe('checkCitations', () => {
  let root: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  const sut = () => formatProblems(checkCitations(root)).split('\n').filter(Boolean);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'doc-citations-'));
    write(
      'docs/protocols/gaen.md',
      '# GAEN\n\n## §B4 Matching\n\n## §B5 Key export files\n\n### §B5.1 Header\n\n```\n## §B9 not a heading\n```\n',
    );
    write('docs/PERFORMANCE.md', '# Performance\n\n## CMS verification\n');
    write('README.md', '# Veilig\n\nSee [the export format](docs/protocols/gaen.md#b5-key-export-files).\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('accepts existing documents, sections, ranges, lists, quoted headings and anchors', () => {
    write(
      'src/a.ts',
      [
        '/** Header (docs/protocols/gaen.md §B5). */',
        '// docs/protocols/gaen.md §B4, §B5.1 and docs/protocols/gaen.md §B4–§B5; docs/protocols/gaen.md §B4/§B5',
        '// figures: docs/PERFORMANCE.md, "CMS verification"; docs/PERFORMANCE.md#cms-verification; README.md',
        "const url = 'https://example.org/other/CHANGELOG.md'; // upstream: exposure-notifications-internals:CRYPTO.md",
        '// RFC 5652 §5.4, RFC 8017 §A.1.1',
      ].join('\n'),
    );
    expect(sut()).toEqual([]);
  });

  it('names file and line of a document that is not in the repository, with the copy to cite', () => {
    write('src/a.ts', '\n/** Export header (gaen.md §B5). */\n// see ../shared/specs/efgs.md §A1\n');
    expect(sut()).toEqual([
      'src/a.ts:2: cites gaen.md, which is not in the repository (cite docs/protocols/gaen.md)',
      'src/a.ts:3: refers to ../shared/specs/efgs.md, outside the repository; cite the copy in docs/protocols/ or test/fixtures/',
      'src/a.ts:3: cites ../shared/specs/efgs.md, which is not in the repository (cite docs/protocols/efgs.md)',
    ]);
  });

  it('does not accept a path that leaves the repository, even where the file exists', () => {
    write('../outside-' + root.split('/').pop() + '.md', '# outside\n');
    write('src/a.ts', `// ../outside-${root.split('/').pop()}.md\n`);
    try {
      expect(sut()).toEqual([
        `src/a.ts:1: cites ../outside-${root.split('/').pop()}.md, which is not in the repository`,
      ]);
    } finally {
      rmSync(join(root, '..', `outside-${root.split('/').pop()}.md`));
    }
  });

  it('refuses sections, quoted headings and anchors the document does not have', () => {
    write(
      'mobile/b.ts',
      [
        '// docs/protocols/gaen.md §B7',
        '// docs/protocols/gaen.md §B4–§B9',
        '// docs/protocols/gaen.md §B9 (inside a code fence only)',
        '// docs/PERFORMANCE.md, "Federation"',
        '// docs/PERFORMANCE.md#federation',
      ].join('\n'),
    );
    expect(sut()).toEqual([
      'mobile/b.ts:1: cites docs/protocols/gaen.md §B7, but docs/protocols/gaen.md has no heading §B7',
      'mobile/b.ts:2: cites docs/protocols/gaen.md §B9, but docs/protocols/gaen.md has no heading §B9',
      'mobile/b.ts:3: cites docs/protocols/gaen.md §B9, but docs/protocols/gaen.md has no heading §B9',
      'mobile/b.ts:4: cites docs/PERFORMANCE.md, "Federation", but docs/PERFORMANCE.md has no heading with that text',
      'mobile/b.ts:5: cites docs/PERFORMANCE.md#federation, but docs/PERFORMANCE.md has no such heading',
    ]);
  });

  it('refuses a lettered section without its document in code, but not a page’s own section', () => {
    write('test/c.ts', '// the bytes of §A4, as the gateway rebuilds them\n');
    write('docs/protocols/efgs.md', '# EFGS\n\n## §A4 Batch signature\n\nAs §A4 says; see §A5.\n');
    expect(sut()).toEqual([
      'docs/protocols/efgs.md:5: cites §A5, which is not a heading of this page; link the page it belongs to',
      'test/c.ts:1: cites §A4 without its document; write e.g. docs/protocols/<page>.md §A4',
    ]);
  });

  it('checks relative Markdown links and their anchors from the linking page', () => {
    write(
      'docs/federation.md',
      [
        '# Federation',
        '## Callbacks',
        '[ok](protocols/gaen.md#b4-matching) [ok](#callbacks) [ok](../README.md) [ok](https://x.test/a.md)',
        '[bad anchor](protocols/gaen.md#b7-risk) [missing](protocols/efgs.md) [missing file](../src/nothing.ts)',
        '`../shared/seeds/dp3t-backoffice-process.md`',
      ].join('\n'),
    );
    expect(sut()).toEqual([
      'docs/federation.md:4: links to protocols/gaen.md#b7-risk, but protocols/gaen.md has no such heading',
      'docs/federation.md:4: links to protocols/efgs.md, which is not in the repository (link docs/protocols/efgs.md)',
      'docs/federation.md:4: links to ../src/nothing.ts, which is not in the repository',
      'docs/federation.md:5: refers to ../shared/seeds/dp3t-backoffice-process.md, outside the repository; cite the copy in docs/protocols/ or test/fixtures/',
      'docs/federation.md:5: cites ../shared/seeds/dp3t-backoffice-process.md, which is not in the repository (cite docs/protocols/dp3t-backoffice.md)',
    ]);
  });

  it('scans the source trees and their text files, not dependencies or build output', () => {
    write('node_modules/x/index.js', '// gaen.md §B5\n');
    write('dist/main.js', '// gaen.md §B5\n');
    write('portals/src/app/x.html', '<!-- uzi.md -->\n');
    write('mobile/native/kernel.cc', '// gaen.md §B4\n');
    write('test/fixtures/x/NOTICE', 'See efgs.md.\n');
    expect(sut()).toEqual([
      'mobile/native/kernel.cc:1: cites gaen.md, which is not in the repository (cite docs/protocols/gaen.md)',
      'portals/src/app/x.html:1: cites uzi.md, which is not in the repository (cite docs/protocols/uzi.md)',
      'test/fixtures/x/NOTICE:1: cites efgs.md, which is not in the repository (cite docs/protocols/efgs.md)',
    ]);
  });
});

describe('headingSlug', () => {
  it('makes GitHub’s anchors', () => {
    expect(headingSlug('§A4.1 The signed bytes')).toBe('a41-the-signed-bytes');
    expect(headingSlug('API ([§A1](protocols/efgs.md#a1-rest-api)), all under `/diagnosiskeys`')).toBe(
      'api-a1-all-under-diagnosiskeys',
    );
  });
});
