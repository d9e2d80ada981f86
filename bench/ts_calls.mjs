// Every call site of a TypeScript project resolved by the TypeScript checker (bench/calls_accuracy.py --ts).
//
//   NODE_PATH=web/node_modules node bench/ts_calls.mjs ROOT file.ts ...
//
// Prints a JSON list: {path, line, col, name, text, decl} per call/new expression whose callee is an
// identifier or a property access; decl is {path, name, line} of the declaration the checker finds
// (path null when it lies outside ROOT's listed files: lib.d.ts, dependencies), or null when the
// checker finds none. Lines are 1-based; decl.line is the line of the declaration's first token
// after its modifiers, which is where the hub's parser starts a symbol.
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH ?? ".", "x.js"));
const ts = require("typescript");

const [root, ...files] = process.argv.slice(2);
const absolute = files.map((f) => path.join(root, f));
const listed = new Set(absolute);
const program = ts.createProgram(absolute, {
  allowJs: true,
  target: ts.ScriptTarget.ESNext,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  noEmit: true,
  skipLibCheck: true,
  strict: true,
});
const checker = program.getTypeChecker();
const out = [];

function lineOf(sf, pos) {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

function declarationOf(node) {
  let symbol = checker.getSymbolAtLocation(node);
  if (!symbol) return null;
  if (symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  const decls = symbol.declarations ?? [];
  // overloads: the implementation (the declaration with a body) is what the hub records
  const decl = decls.find((d) => d.body) ?? decls[0];
  if (!decl) return null;
  const sf = decl.getSourceFile();
  if (!listed.has(path.resolve(sf.fileName))) return { path: null, name: symbol.name, line: 0 };
  const name = decl.name && ts.isIdentifier(decl.name) ? decl.name.text : symbol.name;
  const kindOk =
    ts.isFunctionDeclaration(decl) ||
    ts.isMethodDeclaration(decl) ||
    ts.isClassDeclaration(decl) ||
    ts.isConstructorDeclaration(decl) ||
    (ts.isVariableDeclaration(decl) && decl.initializer &&
      (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer))) ||
    (ts.isPropertyDeclaration(decl) && decl.initializer &&
      (ts.isArrowFunction(decl.initializer) || ts.isFunctionExpression(decl.initializer)));
  // a property, parameter or interface member: decided, but not a symbol the hub can link to
  if (!kindOk) return { path: null, name, line: 0 };
  return {
    path: path.relative(root, path.resolve(sf.fileName)).split(path.sep).join("/"),
    name,
    line: lineOf(sf, decl.getStart(sf)),
  };
}

function visit(sf, node) {
  if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
    const callee = node.expression;
    let nameNode = null;
    if (ts.isIdentifier(callee)) nameNode = callee;
    else if (ts.isPropertyAccessExpression(callee)) nameNode = callee.name;
    if (nameNode) {
      const decl = declarationOf(nameNode);
      const pos = sf.getLineAndCharacterOfPosition(nameNode.getStart(sf));
      out.push({
        path: path.relative(root, sf.fileName).split(path.sep).join("/"),
        line: lineOf(sf, callee.getStart(sf)),
        col: pos.character,
        name: nameNode.text,
        text: callee.getText(sf),
        decl,
      });
    }
  }
  ts.forEachChild(node, (child) => visit(sf, child));
}

for (const sf of program.getSourceFiles()) {
  if (listed.has(path.resolve(sf.fileName))) visit(sf, sf);
}
process.stdout.write(JSON.stringify(out));
