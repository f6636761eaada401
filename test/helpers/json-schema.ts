/**
 * JSON Schema (draft 2020-12) validation for the tests of `bowtie-setup schema`, with Ajv, the
 * validator editors' YAML and JSON language servers use. Strict mode: a keyword Ajv does not
 * know makes compiling fail, so a schema cannot pass unchecked.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });

/** The problems of `value` under `schema`, as "path: what" lines (dotted paths); empty when it is valid. */
export function jsonSchemaProblems(schema: object | boolean, value: unknown): string[] {
  const validate = ajv.compile(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => {
    // The key at fault is a parameter of these two: name it in the path, as our own errors do.
    const params = e.params as { additionalProperty?: string; missingProperty?: string };
    const key = e.keyword === 'additionalProperties' ? params.additionalProperty : e.keyword === 'required' ? params.missingProperty : undefined;
    const path = `${e.instancePath}${key === undefined ? '' : `/${key}`}`.replace(/^\//, '').replaceAll('/', '.') || '(document)';
    const what = e.keyword === 'additionalProperties' ? 'not allowed' : e.keyword === 'required' ? 'is required' : (e.message ?? e.keyword);
    return `${path}: ${what}`;
  });
}
