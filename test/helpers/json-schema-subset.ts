/**
 * A JSON Schema (draft 2020-12) checker for the keywords `z.toJSONSchema` writes for the config
 * document, and only those: any other keyword throws, so a schema that grows one makes the
 * test fail loudly instead of passing unchecked. Semantics follow the specification
 * (json-schema.org, "JSON Schema Validation", sections 6.1-6.4, and "Core", 10.2-10.3): `type`,
 * `const`, `enum`, `properties`, `required`, `additionalProperties` (with `properties` only;
 * no patternProperties here), `items`, `minItems`/`maxItems`, `minLength`/`maxLength` (code
 * points), `oneOf` (exactly one), `anyOf`; annotations are ignored.
 */
type Schema = { [key: string]: unknown } | boolean;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'default', 'examples']);
const ASSERTIONS = new Set(['type', 'const', 'enum', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'minLength', 'maxLength', 'oneOf', 'anyOf']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, v: unknown): boolean {
  const t = typeOf(v);
  return want === t || (want === 'number' && t === 'integer');
}

/** The problems of `value` under `schema`, as "path: what" lines; empty when it is valid. */
export function jsonSchemaProblems(schema: Schema, value: unknown, path = '(document)'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: not allowed`];
  for (const k of Object.keys(schema)) {
    if (!ANNOTATIONS.has(k) && !ASSERTIONS.has(k)) throw new Error(`json-schema-subset: keyword "${k}" at ${path} is not supported`);
  }
  const out: string[] = [];
  const at = (key: string | number) => (path === '(document)' ? String(key) : `${path}.${key}`);
  if (typeof schema.type === 'string' && !typeMatches(schema.type, value)) return [`${path}: must be of type ${schema.type}`];
  if (Array.isArray(schema.type) && !schema.type.some((t: string) => typeMatches(t, value))) return [`${path}: must be of type ${schema.type.join('|')}`];
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) out.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) out.push(`${path}: must be one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) out.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) out.push(`${path}: longer than ${schema.maxLength}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) out.push(`${path}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) out.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items !== undefined) value.forEach((item, i) => out.push(...jsonSchemaProblems(schema.items as Schema, item, at(i))));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) out.push(`${at(r)}: is required`);
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) out.push(...jsonSchemaProblems(props[k]!, v, at(k)));
      else if (schema.additionalProperties !== undefined) out.push(...jsonSchemaProblems(schema.additionalProperties as Schema, v, at(k)));
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const passing = schema.oneOf.filter((s: Schema) => jsonSchemaProblems(s, value, path).length === 0).length;
    if (passing !== 1) out.push(`${path}: must match exactly one of ${schema.oneOf.length} alternatives (matches ${passing})`);
  }
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s: Schema) => jsonSchemaProblems(s, value, path).length === 0)) {
    out.push(`${path}: must match one of ${schema.anyOf.length} alternatives`);
  }
  return out;
}
