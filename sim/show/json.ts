/**
 * iproute2's JSON output (lib/json_writer.c, lib/json_print.c): values are written in the order the C code prints
 * them, so objects here are plain objects whose key order is the output order.
 */

/** A number printed with a fixed format (json_print.c print_float: "%.2f"), e.g. the bridge timers. */
export class JsonNumberText {
  constructor(readonly text: string) {}
}

/** A JSON value as iproute2 emits it. Object keys must not look like array indexes (JS would reorder them). */
export type JsonValue = string | number | boolean | null | JsonNumberText | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A JSON object under construction, keys in output order. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Writes `value` as json_writer.c does: compact (`ip -j`) or pretty (`ip -j -p`: four-space indent, `[ "a","b" ]`
 * arrays, `},{` between objects), followed by the newline iproute2 prints when it closes the document.
 */
export function formatJson(value: JsonValue, pretty: boolean): string {
  const w = new JsonWriter(pretty);
  w.value(value);
  return `${w.out}\n`;
}

/** lib/json_writer.c: the separator and depth state machine, so that whitespace matches byte for byte. */
class JsonWriter {
  out = '';
  private depth = 0;
  private sep = '';

  constructor(private readonly pretty: boolean) {}

  private eol(): void {
    if (!this.pretty) return;
    this.out += `\n${'    '.repeat(this.depth)}`;
  }

  private eor(): void {
    this.out += this.sep;
    this.sep = ',';
  }

  private begin(c: string): void {
    this.eor();
    this.out += c;
    this.depth++;
    this.sep = '';
  }

  private end(c: string): void {
    this.depth--;
    if (this.sep !== '') this.eol();
    this.out += c;
    this.sep = ',';
  }

  private name(key: string): void {
    this.eor();
    this.eol();
    this.sep = '';
    this.out += `${JSON.stringify(key)}:${this.pretty ? ' ' : ''}`;
  }

  value(v: JsonValue): void {
    if (Array.isArray(v)) {
      this.begin('[');
      if (this.pretty) this.out += ' ';
      for (const item of v as readonly JsonValue[]) this.value(item);
      if (this.pretty && this.sep !== '') this.out += ' ';
      this.sep = '';
      this.end(']');
    } else if (v instanceof JsonNumberText) {
      this.eor();
      this.out += v.text;
    } else if (v !== null && typeof v === 'object') {
      this.begin('{');
      for (const [key, item] of Object.entries(v)) {
        this.name(key);
        this.value(item);
      }
      this.end('}');
    } else {
      this.eor();
      this.out += v === null ? 'null' : typeof v === 'string' ? JSON.stringify(v) : String(v);
    }
  }
}
