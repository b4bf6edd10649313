// The `reason` of a management API error as one readable line: RabbitMQ HTML-escapes its texts
// (`&lt;&lt;"x"&gt;&gt;`), spreads them over lines ("Validation failed\n\n..."), and for some errors
// sends an Erlang term as JSON lists of character codes (["invalid_regexp",[40],[[109,...],1]]).

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };

function unescape(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|#39|#x27);/g, (m) => ENTITIES[m] ?? m);
}

/** One line: "Validation failed\n\nX\n" becomes "Validation failed: X"; other line breaks become spaces. */
function oneLine(text: string): string {
  const parts = text
    .split(/\n\s*\n/)
    // Erlang's ~p wraps long terms after a comma: join those without the indentation
    .map((p) =>
      p
        .replace(/,\s*\n\s*/g, ',')
        .replace(/\s*\n\s*/g, ' ')
        .trim(),
    )
    .filter(Boolean);
  return parts.join(': ');
}

const isCharList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((c) => typeof c === 'number' && Number.isInteger(c) && c >= 9 && c < 0x110000);

/** An Erlang term decoded from JSON: char lists as strings, tuples/lists joined. */
function termText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isCharList(v)) return String.fromCodePoint(...v);
  if (Array.isArray(v)) return v.map(termText).join(' ');
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function apiReason(reason: unknown): string {
  if (typeof reason === 'string') return oneLine(unescape(reason));
  if (Array.isArray(reason) && reason[0] === 'invalid_regexp') {
    // RabbitMQ 3.10 permissions: ["invalid_regexp", Pattern, [Message, Offset]]
    const detail = Array.isArray(reason[2]) ? reason[2] : [];
    return `invalid_regexp: '${termText(reason[1])}': ${termText(detail[0])} at offset ${termText(detail[1])}`;
  }
  if (reason === undefined || reason === null) return '';
  return oneLine(unescape(termText(reason)));
}
