import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';

/**
 * What a fuzzer needs of an OpenAPI 3.0 document (as `/docs-json` serves it): each operation,
 * arbitraries for its parameters and body built from its schemas (valid values and hostile
 * ones), and a validator of its answers' bodies.
 */

type Schema = Record<string, any>;

export interface Operation {
  method: string;
  path: string;
  /** Path parameters named in the template. */
  pathParams: string[];
  /** Path parameters the document lists (it should list exactly the template's). */
  documentedPathParams: string[];
  query: { name: string; schema: Schema; required: boolean }[];
  headers: { name: string; schema: Schema; required: boolean }[];
  body: Schema | undefined;
  /** Documented statuses, with the JSON schema of the body when there is one. */
  responses: Map<number, Schema | undefined>;
}

export function operationsOf(document: any): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<any>(document.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const parameters: any[] = op.parameters ?? [];
      const responses = new Map<number, Schema | undefined>();
      for (const [status, response] of Object.entries<any>(op.responses ?? {})) {
        responses.set(Number(status), response.content?.['application/json']?.schema);
      }
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
        documentedPathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema ?? {}, required: !!p.required })),
        headers: parameters
          .filter((p) => p.in === 'header')
          .map((p) => ({ name: p.name, schema: p.schema ?? {}, required: !!p.required })),
        body: op.requestBody?.content?.['application/json']?.schema,
        responses,
      });
    }
  }
  return operations;
}

/**
 * OpenAPI 3.0 schema → JSON Schema for ajv: `nullable` becomes a `null` alternative, `$ref`s point
 * into the registered document.
 */
function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const { nullable, example: _example, ...rest } = schema as Schema;
  const converted: Schema = {};
  for (const [key, value] of Object.entries(rest)) {
    if (key === '$ref' && typeof value === 'string') converted.$ref = `openapi${value}`;
    else if (key === 'properties' || key === 'patternProperties') {
      converted[key] = Object.fromEntries(
        Object.entries(value as Schema).map(([name, inner]) => [name, toJsonSchema(inner)]),
      );
    } else converted[key] = toJsonSchema(value);
  }
  if (!nullable) return converted;
  if (typeof converted.type === 'string' && !converted.allOf && !converted.$ref) {
    return {
      ...converted,
      type: [converted.type, 'null'],
      ...(converted.enum ? { enum: [...converted.enum, null] } : {}),
    };
  }
  return { anyOf: [{ type: 'null' }, converted] };
}

/** One ajv with the document's components registered as `openapi#/components/…`. */
export function responseValidator(document: any): (schema: Schema) => ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: toJsonSchema(document.components) } as object);
  const compiled = new Map<Schema, ValidateFunction>();
  return (schema) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(toJsonSchema(schema) as object);
      compiled.set(schema, validate);
    }
    return validate;
  };
}

export function resolve(document: any, schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').at(-1)!;
    return resolve(document, document.components.schemas[name]);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1) {
    return { ...resolve(document, schema.allOf[0]), ...schema, allOf: undefined };
  }
  return schema;
}

/** Strings that have broken services: empty, NUL, control and bidi characters, huge, paths, SQL. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\u202eevil',
    '\ufeff',
    '💥'.repeat(300),
    'x'.repeat(10_000),
    '../../etc/passwd',
    "' OR 1=1 --",
    '%',
    '_',
    '\\',
    'null',
    'undefined',
    '-1',
    '0',
    '1e309',
    '99999999999999999999999999',
    'NaN',
    'true',
    '[]',
    '{}',
    '__proto__',
    'constructor',
    '2026-02-30T25:61:00Z',
    '00000000-0000-0000-0000-000000000000',
    'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** Values of the wrong type, in bodies. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1e308,
    -1e308,
    2 ** 64,
    Number.MAX_SAFE_INTEGER + 2,
    0.5,
    [],
    {},
    [null],
    { __proto__: { admin: true } },
    JSON.parse('{"__proto__": {"polluted": true}}'),
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);

/**
 * A value nested `depth` levels deep, `{"a":{"a":…}}` or `[[…]]`: deeper than JSON.stringify can
 * write (it recurses), so it is written by {@link serialize}.
 */
export class Nested {
  constructor(
    readonly depth: number,
    readonly kind: 'object' | 'array',
  ) {}

  toText(): string {
    return this.kind === 'object'
      ? '{"a":'.repeat(this.depth) + '"bottom"' + '}'.repeat(this.depth)
      : '['.repeat(this.depth) + '"bottom"' + ']'.repeat(this.depth);
  }
}

/** JSON text of a generated body, {@link Nested} values included. */
export function serialize(value: unknown): string {
  const nested: Nested[] = [];
  const text = JSON.stringify(value, (_key, inner: unknown) => {
    if (!(inner instanceof Nested)) return inner;
    nested.push(inner);
    return `\u0001nested${nested.length - 1}\u0001`;
  });
  return text.replace(/"\\u0001nested(\d+)\\u0001"/g, (_, i: string) =>
    nested[Number(i)]!.toText(),
  );
}

export interface ValuePools {
  /** Ids to try for a parameter or field of this name (known records of every workspace). */
  idsFor(name: string): string[];
}

/** Valid (by the schema) values, with ids drawn from the pools. */
export function validValue(
  document: any,
  given: Schema | undefined,
  pools: ValuePools,
  name = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  const schema = resolve(document, given);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  const uuid = fc.oneof(fc.constantFrom(...pools.idsFor(name)), fc.uuid());
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uuid') return uuid;
      if (schema.format === 'date-time') {
        return fc
          .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString());
      }
      if (/id$/i.test(name)) return uuid;
      return fc.string({ minLength: 1, maxLength: Math.min(schema.maxLength ?? 30, 30) });
    case 'number':
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 4
        ? fc.constant([])
        : fc.array(validValue(document, schema.items, pools, name, depth + 1), {
            minLength: schema.minItems ?? 0,
            maxLength: Math.min(schema.maxItems ?? 4, 4),
          });
    case 'object':
    case undefined: {
      if (!schema.properties) {
        if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
          return fc.dictionary(
            uuid,
            validValue(document, schema.additionalProperties, pools, name, depth + 1),
            { maxKeys: 3 },
          );
        }
        return fc.constant({});
      }
      const required: string[] = schema.required ?? [];
      return fc.record(
        Object.fromEntries(
          Object.entries<Schema>(schema.properties).map(([key, inner]) => [
            key,
            validValue(document, inner, pools, key, depth + 1),
          ]),
        ),
        { requiredKeys: required },
      );
    }
    default:
      return fc.constant(randomUUID());
  }
}

/**
 * A body for the schema: mostly valid, else one field made hostile, an unknown field added, a
 * wrong type, a deeply nested or very wide value.
 */
export function bodyFor(document: any, schema: Schema, pools: ValuePools): fc.Arbitrary<unknown> {
  const valid = validValue(document, schema, pools);
  const resolved = resolve(document, schema);
  const fields = Object.keys(resolved.properties ?? {});
  return fc.oneof(
    { weight: 10, arbitrary: valid },
    {
      weight: 3,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...(fields.length ? fields : ['x'])), hostileValue)
        .map(([body, field, value]) => ({ ...(body as object), [field]: value })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, hostileText, hostileValue)
        .map(([body, field, value]) => ({ ...(body as object), [field || 'extra']: value })),
    },
    { weight: 1, arbitrary: hostileValue },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          valid,
          fc.constantFrom(...(fields.length ? fields : ['x'])),
          fc.constantFrom(10, 1000, 20_000),
          fc.constantFrom<'object' | 'array'>('object', 'array'),
        )
        .map(([body, field, depth, kind]) => ({
          ...(body as object),
          [field]: new Nested(depth, kind),
        })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(valid, fc.constantFrom(...(fields.length ? fields : ['x'])))
        .map(([body, field]) => ({
          ...(body as object),
          [field]: Array.from({ length: 5000 }, (_, i) => `item-${i}`),
        })),
    },
  );
}
