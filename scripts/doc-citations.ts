/**
 * Checks that every document a comment or page cites is in the repository, with the section it names.
 *
 * A citation is a path ending in `.md` (`docs/protocols/gaen.md`, `README.md`, a sibling `uzi.md` in a
 * page), optionally followed by sections (`§B5`, `§A4.1, §A6`, `§B1–§B4`), a quoted heading
 * (`docs/PERFORMANCE.md, "CMS verification"`) or an anchor (`docs/federation.md#callbacks`); in Markdown
 * also every relative link. Paths resolve from the repository root or from the citing file's folder, and
 * must stay inside the repository: the protocol facts live in `docs/protocols/`, not in a folder next to
 * the checkout. A lettered section (`§B5`) without its document counts as an error too, except in a page
 * that has that section itself. A file of another repository, written `repository:path`, is not checked.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface CitationProblem {
  /** Repository-relative path of the citing file. */
  file: string;
  line: number;
  message: string;
}

/** Where citations are looked for: the source trees and the documentation. */
export const SCANNED_PATHS = [
  'src',
  'mobile',
  'portals/src',
  'portals/README.md',
  'test',
  'bench',
  'scripts',
  'widget',
  'docs',
  '.ci',
  'README.md',
];

/** The checker and its spec quote citations, good and bad, as examples. */
const NOT_SCANNED = new Set(['scripts/doc-citations.ts', 'scripts/doc-citations.spec.ts']);

/** Documents that once lived outside the repository, and their copies in it. */
export const OUTSIDE_DOCUMENTS: Record<string, string> = {
  'gaen.md': 'docs/protocols/gaen.md',
  'efgs.md': 'docs/protocols/efgs.md',
  'uzi.md': 'docs/protocols/uzi.md',
  'dp3t-backoffice-process.md': 'docs/protocols/dp3t-backoffice.md',
  'smittestopp-exposure-notification.md': 'docs/protocols/smittestopp.md',
  'ehealth-cross-border-federation.md': 'docs/protocols/efgs.md',
  'veilig-bellen.md': 'docs/veilig-bellen.md, docs/protocols/irma.md, docs/protocols/twilio.md',
};

const TEXT_FILE = /\.(ts|js|mjs|cjs|cc|h|html|scss|css|md|sh|json|ya?ml)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.angular', 'data', 'coverage']);
const SECTION = String.raw`[A-Z]{1,2}\d+(?:\.\d+)*`;
/** A path ending in .md, not part of a URL or a longer name, with an optional `#anchor`. */
const DOC_TOKEN = /(?<![\w./:@~-])((?:\.{1,2}\/)*[\w./-]*[\w-]\.md)(#[\w-]+)?(?![\w/-])/g;
const FIRST_SECTION = new RegExp(String.raw`^,?\s+§\s?(${SECTION})`);
const MORE_SECTIONS = new RegExp(String.raw`^(\s*(?:,|/|&|\band\b)\s*§\s?|\s*[–-]\s*§?\s?)(${SECTION})`);
const QUOTED_HEADING = /^(?:,\s*|\s+)\(?["“]([^"”\n]+)["”]/;
const BARE_SECTION = new RegExp(String.raw`§\s?(${SECTION})(?![\w.]*\d)`, 'g');
const MARKDOWN_LINK = /\[((?:[^\][]|\[[^\]]*\])*)\]\(([^)\s]+)\)/g;
const OUTSIDE_FOLDER = /(?:^|[^\w])((?:\.\.\/)*shared\/(?:specs|seeds|testdata)\/[\w./-]*)/g;

interface Headings {
  ids: Set<string>;
  slugs: Set<string>;
  texts: string[];
}

/** Checks every scanned file under `root`; returns the problems in file and line order. */
export function checkCitations(root: string): CitationProblem[] {
  const checker = new CitationChecker(resolve(root));
  const problems: CitationProblem[] = [];
  for (const file of scannedFiles(checker.root))
    if (!NOT_SCANNED.has(relative(checker.root, file).split(sep).join('/')))
      problems.push(...checker.checkFile(file));
  return problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** Formats problems as `file:line: message` lines. */
export function formatProblems(problems: readonly CitationProblem[]): string {
  return problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n');
}

function scannedFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (path: string): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!SKIPPED_DIRS.has(name)) walk(join(path, name));
    } else if (
      stat.size < 2_000_000 &&
      (TEXT_FILE.test(path) || path.endsWith(`${sep}NOTICE`) || relative(root, path).startsWith(`.ci${sep}`))
    ) {
      files.push(path);
    }
  };
  for (const entry of SCANNED_PATHS) if (existsSync(join(root, entry))) walk(join(root, entry));
  return files;
}

/** What follows a cited document: sections (`§A5, §A10`, `§B1–§B4`) or a quoted heading, and its length. */
function citedParts(tail: string): { sections: string[]; quoted?: string; length: number } {
  const first = FIRST_SECTION.exec(tail);
  if (!first) {
    const quoted = QUOTED_HEADING.exec(tail);
    return quoted
      ? { sections: [], quoted: quoted[1], length: quoted[0].length }
      : { sections: [], length: 0 };
  }
  const sections = [first[1]];
  let length = first[0].length;
  for (;;) {
    const more = MORE_SECTIONS.exec(tail.slice(length));
    if (!more) break;
    sections.push(more[2]);
    length += more[0].length;
  }
  return { sections, length };
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens. */
export function headingSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

class CitationChecker {
  private readonly headings = new Map<string, Headings>();

  constructor(readonly root: string) {}

  checkFile(path: string): CitationProblem[] {
    const file = relative(this.root, path).split(sep).join('/');
    const problems: CitationProblem[] = [];
    let fenced = false;
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((text, index) => {
        if (path.endsWith('.md') && /^\s*```/.test(text)) fenced = !fenced;
        const report = (message: string) => problems.push({ file, line: index + 1, message });
        this.checkLine(path, text, !fenced, report);
      });
    return problems;
  }

  /** One line; `prose` is false inside a Markdown code fence, where links and bare sections are not checked. */
  private checkLine(path: string, text: string, prose: boolean, report: (m: string) => void): void {
    const markdown = path.endsWith('.md');
    for (const m of text.matchAll(OUTSIDE_FOLDER))
      report(`refers to ${m[1]}, outside the repository; cite the copy in docs/protocols/ or test/fixtures/`);
    // What is checked is blanked out, so the later passes do not see it again.
    let rest = text;
    const blank = (start: number, length: number) =>
      (rest = rest.slice(0, start) + ' '.repeat(length) + rest.slice(start + length));

    if (markdown && prose) {
      for (const m of text.matchAll(MARKDOWN_LINK)) {
        this.checkLink(path, m[2], report);
        blank(m.index, m[0].length);
      }
    }
    for (const m of [...rest.matchAll(DOC_TOKEN)]) {
      const [token, doc, anchor] = m;
      const { sections, quoted, length } = citedParts(rest.slice(m.index + token.length));
      blank(m.index, token.length + length);
      const target = this.resolve(path, doc);
      if (!target) {
        const copy = OUTSIDE_DOCUMENTS[doc.split('/').pop()!];
        report(`cites ${doc}, which is not in the repository${copy ? ` (cite ${copy})` : ''}`);
        continue;
      }
      const headings = this.headingsOf(target);
      if (anchor && !headings.slugs.has(anchor.slice(1)))
        report(`cites ${doc}${anchor}, but ${doc} has no such heading`);
      for (const id of sections)
        if (!headings.ids.has(id)) report(`cites ${doc} §${id}, but ${doc} has no heading §${id}`);
      if (quoted && !headings.texts.some((h) => h.includes(quoted.toLowerCase())))
        report(`cites ${doc}, "${quoted}", but ${doc} has no heading with that text`);
    }
    if (markdown && !prose) return;
    for (const m of rest.matchAll(BARE_SECTION)) {
      const own = markdown ? this.headingsOf(path).ids : undefined;
      if (own?.has(m[1])) continue;
      report(
        own
          ? `cites §${m[1]}, which is not a heading of this page; link the page it belongs to`
          : `cites §${m[1]} without its document; write e.g. docs/protocols/<page>.md §${m[1]}`,
      );
    }
  }

  /** A Markdown link: relative targets must exist, and an anchor must be a heading of the target. */
  private checkLink(path: string, href: string, report: (m: string) => void): void {
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return;
    const [target, anchor] = href.split('#', 2);
    const resolved = target ? this.resolve(path, target, true) : path;
    if (!resolved) {
      const copy = OUTSIDE_DOCUMENTS[target.split('/').pop()!];
      report(`links to ${target}, which is not in the repository${copy ? ` (link ${copy})` : ''}`);
      return;
    }
    if (anchor !== undefined && resolved.endsWith('.md') && !this.headingsOf(resolved).slugs.has(anchor))
      report(`links to ${href}, but ${target || 'this page'} has no such heading`);
  }

  /** The file a path names, from the citing file's folder or (unless it starts with ./ or ../) the root. */
  private resolve(from: string, path: string, anyFile = false): string | undefined {
    const candidates = /^\.\.?\//.test(path) ? [] : [join(this.root, path)];
    candidates.push(resolve(dirname(from), path));
    return candidates.find(
      (c) =>
        (c === this.root || c.startsWith(this.root + sep)) &&
        existsSync(c) &&
        (anyFile || statSync(c).isFile()),
    );
  }

  private headingsOf(path: string): Headings {
    let headings = this.headings.get(path);
    if (!headings) {
      headings = { ids: new Set(), slugs: new Set(), texts: [] };
      let fenced = false;
      const seen = new Map<string, number>();
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (/^\s*```/.test(line)) fenced = !fenced;
        const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*$/.exec(line);
        if (!m) continue;
        const id = new RegExp(String.raw`^§(${SECTION})(?=\s|$)`).exec(m[1]);
        if (id) headings.ids.add(id[1]);
        const slug = headingSlug(m[1]);
        const n = seen.get(slug) ?? 0;
        seen.set(slug, n + 1);
        headings.slugs.add(n ? `${slug}-${n}` : slug);
        headings.texts.push(m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').toLowerCase());
      }
      this.headings.set(path, headings);
    }
    return headings;
  }
}
