import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

/** Files allowed module-level state, by path under packages/: none. */
const ALLOWED: ReadonlySet<string> = new Set<string>([]);

/** Constructors whose instances are mutable containers. */
const CONTAINERS: ReadonlySet<string> = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Array']);

/** Type names that say a container is read only. */
const READONLY_TYPES: ReadonlySet<string> = new Set(['ReadonlyMap', 'ReadonlySet', 'ReadonlyArray', 'Readonly']);

/** Every .ts file of every package's src. */
function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function allSources(): string[] {
  return readdirSync(PACKAGES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const src = join(PACKAGES, entry.name, 'src');
      try {
        return sourceFiles(src);
      } catch {
        return [];
      }
    });
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((modifier) => modifier.kind === kind);
}

/** A declared type that keeps its value from being changed through it. */
function isReadonlyType(type: ts.TypeNode | undefined): boolean {
  if (!type) return false;
  if (ts.isTypeOperatorNode(type)) return type.operator === ts.SyntaxKind.ReadonlyKeyword;
  if (ts.isTypeReferenceNode(type)) return ts.isIdentifier(type.typeName) && READONLY_TYPES.has(type.typeName.text);
  if (ts.isParenthesizedTypeNode(type)) return isReadonlyType(type.type);
  return false;
}

/** What is wrong with a top-level const's initializer, if anything. */
function mutableInitializer(declaration: ts.VariableDeclaration): string | undefined {
  let value = declaration.initializer;
  if (!value || isReadonlyType(declaration.type)) return undefined;
  while (ts.isParenthesizedExpression(value) || ts.isSatisfiesExpression(value)) value = value.expression;
  if (ts.isAsExpression(value)) {
    const type = value.type;
    if (ts.isConstTypeReference(type) || isReadonlyType(type)) return undefined;
    value = value.expression;
  }
  if (ts.isNewExpression(value) && ts.isIdentifier(value.expression) && CONTAINERS.has(value.expression.text)) return `new ${value.expression.text}`;
  if (ts.isArrayLiteralExpression(value)) return 'an array literal';
  if (ts.isObjectLiteralExpression(value)) return 'an object literal';
  return undefined;
}

/** Module-level mutable state in one file: `file:line: what`. */
function findState(path: string, text: string): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const name = relative(PACKAGES, path).split('\\').join('/');
  const found: string[] = [];
  const report = (node: ts.Node, what: string): void => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push(`${name}:${line + 1}: ${what}`);
  };
  // Ambient declarations (declare ..., .d.ts files) describe types and hold nothing.
  if (source.isDeclarationFile) return found;

  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement) || hasModifier(statement, ts.SyntaxKind.DeclareKeyword)) continue;
    const list = statement.declarationList;
    const isConst = (list.flags & ts.NodeFlags.Const) !== 0;
    for (const declaration of list.declarations) {
      const what = declaration.name.getText(source);
      if (!isConst) {
        report(declaration, `top-level ${list.flags & ts.NodeFlags.Let ? 'let' : 'var'} ${what}`);
        continue;
      }
      const problem = mutableInitializer(declaration);
      if (problem) report(declaration, `top-level const ${what} = ${problem} (type it Readonly, or as const)`);
    }
  }

  const visit = (node: ts.Node): void => {
    if (ts.isPropertyDeclaration(node) && hasModifier(node, ts.SyntaxKind.StaticKeyword) && !hasModifier(node, ts.SyntaxKind.ReadonlyKeyword) && !hasModifier(node, ts.SyntaxKind.DeclareKeyword)) {
      report(node, `static ${node.name.getText(source)} is not readonly`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('no module-level mutable state: two gateways in one process share nothing', () => {
  it('finds what it looks for', () => {
    const sample = [
      'let counter = 0;',
      'var old = 1;',
      'const seen = new WeakSet<object>();',
      'const table = new Map<string, number>();',
      'const list: string[] = [];',
      'const bag = { a: 1 };',
      'const fine = new Set<string>() as ReadonlySet<string>;',
      'const typed: ReadonlySet<string> = new Set();',
      'const tuple = [1, 2] as const;',
      'const frozen: Readonly<{ a: number }> = { a: 1 };',
      'const items: readonly string[] = [];',
      'const n = 3;',
      'declare let ambient: number;',
      'class A { static count = 0; static readonly NAME = "a"; private static cache = new Map(); count = 0; }',
      'function f() { let local = 0; return local; }',
    ].join('\n');
    expect(findState(join(PACKAGES, 'x', 'src', 'sample.ts'), sample)).toEqual([
      'x/src/sample.ts:1: top-level let counter',
      'x/src/sample.ts:2: top-level var old',
      'x/src/sample.ts:3: top-level const seen = new WeakSet (type it Readonly, or as const)',
      'x/src/sample.ts:4: top-level const table = new Map (type it Readonly, or as const)',
      'x/src/sample.ts:5: top-level const list = an array literal (type it Readonly, or as const)',
      'x/src/sample.ts:6: top-level const bag = an object literal (type it Readonly, or as const)',
      'x/src/sample.ts:14: static count is not readonly',
      'x/src/sample.ts:14: static cache is not readonly',
    ]);
  });

  it('holds for every package src file', () => {
    const files = allSources();
    expect(files.length).toBeGreaterThan(100);
    const found = files.filter((file) => !ALLOWED.has(relative(PACKAGES, file).split('\\').join('/'))).flatMap((file) => findState(file, readFileSync(file, 'utf8')));
    expect(found).toEqual([]);
  });
});
