/**
 * A matcher for the URIs an RFC 6570 template expands to, enough to say which upstream's
 * template a URI belongs to: `{var}` matches one path segment, `{+var}` and `{#var}` match
 * anything, `{?a,b}` and `{&a}` match a query part or nothing.
 */
export function templateMatcher(template: string): RegExp {
  let pattern = '';
  let last = 0;
  for (const expression of template.matchAll(/\{([^}]*)\}/g)) {
    pattern += escape(template.slice(last, expression.index));
    const operator = expression[1]![0];
    if (operator === '+' || operator === '#') pattern += '.*';
    else if (operator === '?' || operator === '&') pattern += '(?:[?&].*)?';
    else if (operator === '/') pattern += '(?:/[^/?#]*)*';
    else pattern += '[^/?#]*';
    last = expression.index + expression[0].length;
  }
  pattern += escape(template.slice(last));
  return new RegExp(`^${pattern}$`, 'u');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
