import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * Finds user-visible text written straight into JSX (so it bypasses t()): JSX text, the attributes
 * a person reads or hears (aria-label, title, placeholder, alt…), and string literals or templates
 * given as a child or as such an attribute's value (through `?:`, `&&`, `||`). Text without a
 * letter ("·", "–", "+") is not a word and passes, and so does text that is the same in every
 * language on purpose: key names in <kbd> ("Alt", "Enter") and an element with its own `lang`
 * (a language's name in that language, "Русский" in the language menu).
 */
export const USER_FACING_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'aria-roledescription', 'aria-valuetext', 'aria-placeholder', 'title', 'placeholder', 'alt', 'label']);

export interface Literal {
  file: string;
  line: number;
  text: string;
}

const hasWord = (text: string) => /\p{L}/u.test(text);

/** Static parts of a string expression that hold a word, unwrapping ?:, && and ||. */
function wordyStrings(node: ts.Expression): string[] {
  if (ts.isParenthesizedExpression(node)) return wordyStrings(node.expression);
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return hasWord(node.text) ? [node.text] : [];
  if (ts.isTemplateExpression(node)) {
    const parts = [node.head.text, ...node.templateSpans.map((s) => s.literal.text)];
    return parts.some(hasWord) ? [parts.join('…')] : [];
  }
  if (ts.isConditionalExpression(node)) return [...wordyStrings(node.whenTrue), ...wordyStrings(node.whenFalse)];
  if (ts.isBinaryExpression(node) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(node.operatorToken.kind)) {
    return [...wordyStrings(node.left), ...wordyStrings(node.right)];
  }
  return [];
}

function isUntranslated(opening: ts.JsxOpeningElement, sf: ts.SourceFile): boolean {
  return opening.tagName.getText(sf) === 'kbd' || opening.attributes.properties.some((a) => ts.isJsxAttribute(a) && a.name.getText(sf) === 'lang');
}

export function jsxLiterals(fileName: string, source: string): Omit<Literal, 'file'>[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: Omit<Literal, 'file'>[] = [];
  const at = (node: ts.Node, text: string) => found.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text: text.trim() });
  const visit = (node: ts.Node) => {
    if (ts.isJsxElement(node) && isUntranslated(node.openingElement, sf)) return;
    if (ts.isJsxText(node) && hasWord(node.text)) at(node, node.text);
    else if (ts.isJsxExpression(node) && node.expression && !ts.isJsxAttribute(node.parent)) wordyStrings(node.expression).forEach((t) => at(node, t));
    else if (ts.isJsxAttribute(node) && USER_FACING_ATTRIBUTES.has(node.name.getText(sf)) && node.initializer) {
      const init = node.initializer;
      if (ts.isStringLiteral(init)) {
        if (hasWord(init.text)) at(node, init.text);
      } else if (ts.isJsxExpression(init) && init.expression) wordyStrings(init.expression).forEach((t) => at(node, t));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every .tsx file under a folder, with the literals in it. */
export function jsxLiteralsUnder(root: string, base: string): Literal[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.tsx')) files.push(path);
    }
  };
  walk(root);
  return files.flatMap((file) => jsxLiterals(file, readFileSync(file, 'utf8')).map((l) => ({ file: relative(base, file), ...l })));
}
