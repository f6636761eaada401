/**
 * The config document as JSON Schema (draft 2020-12), generated from the zod schema in
 * ./schema.ts: one source. What the generator cannot express (field checks written as
 * functions: host names, addresses, keys, calendars, cross-field rules) stays with `validate`;
 * the JSON Schema gives an editor the shape: the keys, their types, enums, required fields and
 * list limits, and the titles and descriptions the zod schema carries (`.meta()`).
 *
 * It accepts every document `validate` accepts (the schema is never stricter than zod);
 * test/config/json-schema.test.ts checks that on the golden cases.
 */
import { z } from 'zod';
import { documentSchema } from './schema.js';

/** Where the published schema says it lives; editors only use it as a name. */
export const SCHEMA_ID = 'urn:bowtie-setup:config-document';

export type JsonObject = { [key: string]: unknown };

/** The document as written in a file for `validate`, `render` and `apply`. */
export function documentJsonSchema(): JsonObject {
  // io 'input': the document as written, before transforms and defaults; refinements have no
  // JSON Schema form and are left to `validate`.
  const generated = z.toJSONSchema(documentSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonObject;
  return {
    $schema: generated.$schema,
    $id: SCHEMA_ID,
    title: 'bowtie-setup config document',
    description:
      'The site configuration of a Bowtie Controller appliance. `bowtie-setup validate FILE` checks what this schema cannot (names, addresses, keys, certificates, schedules, rules between fields).',
    ...Object.fromEntries(Object.entries(generated).filter(([k]) => k !== '$schema')),
  };
}

/**
 * User data holding the document under `key` (cloud-init's `#cloud-config`); every other key
 * belongs to cloud-init and is left open.
 */
export function userDataJsonSchema(key: string): JsonObject {
  const { $schema, $id, title: _title, description: _description, ...body } = documentJsonSchema();
  return {
    $schema,
    $id: `${String($id)}:user-data`,
    title: 'cloud-init user data for a Bowtie Controller appliance',
    description: `#cloud-config user data; bowtie-setup reads the ${key} key (the config document) and leaves the other keys to cloud-init.`,
    type: 'object',
    properties: { [key]: { title: 'bowtie-setup config document', ...body } },
  };
}
