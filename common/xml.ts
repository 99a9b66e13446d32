/**
 * A small, namespace-aware XML reader for the presence documents a PBX sends (PIDF, dialog-info):
 * elements, attributes, text, namespaces resolved to their URIs. It runs wherever common/ runs
 * (the page, Node), needs no DOM, and never throws: a document it cannot read is null.
 * Not a validating parser: DTDs are skipped, entities are the five predefined ones and character
 * references.
 */

export interface XmlElement {
  /** Local name, without its prefix ("person" for <dm:person>). */
  name: string;
  /** The namespace URI the element's prefix (or the default namespace) stands for; "" for none. */
  ns: string;
  /** Attributes by local name ("xml:lang" keeps its prefix); values decoded. */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (CDATA included), decoded and trimmed. */
  text: string;
}

const predefined: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return predefined[ref] ?? whole;
  });
}

interface Open {
  qname: string;
  element: XmlElement;
  scope: Record<string, string>;
  text: string[];
}

const nameRe = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/;

/** Parses a document; null when it is not well-formed enough to read (or empty). */
export function parseXml(source: string, maxLength = 1_000_000): XmlElement | null {
  if (typeof source !== 'string' || source.length > maxLength) return null;
  const stack: Open[] = [];
  let root: XmlElement | null = null;
  let i = 0;
  const n = source.length;
  const top = () => stack[stack.length - 1];
  while (i < n) {
    const lt = source.indexOf('<', i);
    if (lt < 0) {
      if (source.slice(i).trim() && !top()) return null;
      top()?.text.push(decode(source.slice(i)));
      break;
    }
    if (lt > i) top()?.text.push(decode(source.slice(i, lt)));
    if (source.startsWith('<!--', lt)) {
      const end = source.indexOf('-->', lt + 4);
      if (end < 0) return null;
      i = end + 3;
    } else if (source.startsWith('<![CDATA[', lt)) {
      const end = source.indexOf(']]>', lt + 9);
      if (end < 0) return null;
      top()?.text.push(source.slice(lt + 9, end));
      i = end + 3;
    } else if (source.startsWith('<?', lt)) {
      const end = source.indexOf('?>', lt + 2);
      if (end < 0) return null;
      i = end + 2;
    } else if (source.startsWith('<!', lt)) {
      // <!DOCTYPE …> (with an internal subset in brackets): skipped
      let depth = 0;
      let j = lt + 2;
      for (; j < n; j++) {
        if (source[j] === '[') depth++;
        else if (source[j] === ']') depth--;
        else if (source[j] === '>' && depth <= 0) break;
      }
      if (j >= n) return null;
      i = j + 1;
    } else if (source[lt + 1] === '/') {
      const end = source.indexOf('>', lt + 2);
      if (end < 0) return null;
      const qname = source.slice(lt + 2, end).trim();
      const open = stack.pop();
      if (!open || open.qname !== qname) return null;
      open.element.text = open.text.join('').trim();
      if (stack.length === 0) root = open.element;
      i = end + 1;
    } else {
      // a start tag: name, attributes (quoted values may hold '>'), '/>' or '>'
      const nameMatch = nameRe.exec(source.slice(lt + 1, lt + 200));
      if (!nameMatch) return null;
      const qname = nameMatch[0];
      let j = lt + 1 + qname.length;
      const rawAttrs: [string, string][] = [];
      let selfClosing = false;
      for (;;) {
        while (j < n && /\s/.test(source[j]!)) j++;
        if (j >= n) return null;
        if (source[j] === '>') {
          j++;
          break;
        }
        if (source[j] === '/' && source[j + 1] === '>') {
          selfClosing = true;
          j += 2;
          break;
        }
        const attrName = nameRe.exec(source.slice(j, j + 200));
        if (!attrName) return null;
        j += attrName[0].length;
        while (j < n && /\s/.test(source[j]!)) j++;
        if (source[j] !== '=') return null;
        j++;
        while (j < n && /\s/.test(source[j]!)) j++;
        const quote = source[j];
        if (quote !== '"' && quote !== "'") return null;
        const close = source.indexOf(quote, j + 1);
        if (close < 0) return null;
        rawAttrs.push([attrName[0], decode(source.slice(j + 1, close))]);
        j = close + 1;
      }
      if (stack.length === 0 && root) return null; // a second root element
      const scope: Record<string, string> = { ...(top()?.scope ?? { xml: 'http://www.w3.org/XML/1998/namespace' }) };
      for (const [k, v] of rawAttrs) {
        if (k === 'xmlns') scope[''] = v;
        else if (k.startsWith('xmlns:')) scope[k.slice(6)] = v;
      }
      const attrs: Record<string, string> = {};
      for (const [k, v] of rawAttrs) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
        attrs[k.startsWith('xml:') ? k : k.includes(':') ? k.slice(k.indexOf(':') + 1) : k] = v;
      }
      const colon = qname.indexOf(':');
      const prefix = colon >= 0 ? qname.slice(0, colon) : '';
      const element: XmlElement = { name: colon >= 0 ? qname.slice(colon + 1) : qname, ns: scope[prefix] ?? '', attrs, children: [], text: '' };
      top()?.element.children.push(element);
      if (selfClosing) {
        if (stack.length === 0) root = element;
      } else {
        stack.push({ qname, element, scope, text: [] });
      }
      i = j;
    }
  }
  return stack.length === 0 ? root : null;
}

/** The children of `el` with this local name (and namespace, when given). */
export function childrenNamed(el: XmlElement | null | undefined, name: string, ns?: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns)) : [];
}

/** The first child of `el` with this local name (and namespace, when given). */
export function childNamed(el: XmlElement | null | undefined, name: string, ns?: string): XmlElement | undefined {
  return childrenNamed(el, name, ns)[0];
}

/** Escapes text for an XML element or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
