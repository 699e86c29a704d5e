/**
 * Values generated from the Graph shapes table (`#libs/graph`): for any `@odata.type`, an object
 * holding a seeded subset of its writable properties, each with a value of the kind the table
 * gives it — enum members, ISO date-times, durations, nested complex values (a concrete subtype
 * where the declared type is abstract). What the generated tenants are made of.
 */
import { concreteTypesOf, propertiesOf, type GraphProperty } from '#libs/graph';
import type { Prng } from './prng.js';

export const EPOCH = Date.parse('2025-01-01T00:00:00Z');
/** An ISO date-time `hours` after the sim's epoch (2025-01-01). */
export const timestamp = (hours: number) => new Date(EPOCH + hours * 3_600_000).toISOString();

/** Nested complex values stop here: a property of an object at this depth gets no complex value. */
const MAX_DEPTH = 2;
/** Members no real tenant holds. */
const FUTURE = /^unk?nownFutureValue$/;

const writableCache = new Map<string, readonly GraphProperty[]>();
const concreteCache = new Map<string, readonly string[]>();
const memberCache = new Map<GraphProperty, readonly string[]>();

/** The properties a write may set (neither read-only nor navigation), cached per type. */
export function writableOf(odataType: string): readonly GraphProperty[] {
  let found = writableCache.get(odataType);
  if (!found) {
    found = [...propertiesOf(odataType).values()].filter((p) => !p.readOnly && !p.navigation);
    writableCache.set(odataType, found);
  }
  return found;
}

/** The concrete types assignable to `odataType` (itself included when concrete), cached. */
export function concreteOf(odataType: string): readonly string[] {
  let found = concreteCache.get(odataType);
  if (!found) {
    found = concreteTypesOf(odataType);
    concreteCache.set(odataType, found);
  }
  return found;
}

function membersOf(property: GraphProperty): readonly string[] {
  let found = memberCache.get(property);
  if (!found) {
    found = (property.enumMembers ?? []).filter((m) => !FUTURE.test(m));
    memberCache.set(property, found);
  }
  return found;
}

export interface ObjectOptions {
  /** Share of the writable properties given a value (default: 30–50%, drawn per object). */
  share?: number;
  /** Properties left to the caller (never generated here). */
  skip?: ReadonlySet<string>;
  /** The concrete type to generate; default: one drawn among the declared type's concrete types. */
  concrete?: string;
}

/**
 * An object of `declaredType` (a concrete type drawn among its subtypes, `@odata.type` written
 * when it is not the declared type), holding a seeded subset of its writable properties.
 * Undefined when the declared type has no concrete type.
 */
export function generateObject(
  declaredType: string,
  prng: Prng,
  depth = 0,
  options: ObjectOptions = {},
): Record<string, unknown> | undefined {
  const choices = concreteOf(declaredType);
  const type = options.concrete ?? (choices.length ? prng.pick(choices) : undefined);
  if (!type) return undefined;
  const value: Record<string, unknown> = {};
  if (type !== declaredType) value['@odata.type'] = type;
  const share = options.share ?? 0.3 + 0.2 * prng.next();
  for (const property of writableOf(type)) {
    if (options.skip?.has(property.name) || prng.next() >= share) continue;
    const generated = generateValue(property, prng, depth + 1);
    if (generated !== undefined) value[property.name] = generated;
  }
  return value;
}

/** A value for one property (undefined: leave the property out). */
export function generateValue(property: GraphProperty, prng: Prng, depth: number): unknown {
  if (property.nullable && prng.next() < 0.08) return null;
  if (property.collection) {
    if (property.kind === 'complex' && depth > MAX_DEPTH) return [];
    const values: unknown[] = [];
    for (let i = prng.integer(0, 2); i > 0; i--) {
      const item = scalar(property, prng, depth);
      if (item !== undefined) values.push(item);
    }
    return values;
  }
  if (property.kind === 'complex' && depth > MAX_DEPTH) {
    return property.nullable ? null : undefined;
  }
  return scalar(property, prng, depth);
}

const WORDS = ['contoso', 'fabrikam', 'northwind', 'tailspin', 'woodgrove', 'adatum', 'litware'];

function scalar(property: GraphProperty, prng: Prng, depth: number): unknown {
  switch (property.kind) {
    case 'string':
      return `${prng.pick(WORDS)}-${property.name}-${prng.integer(1, 999)}`;
    case 'number':
      return prng.integer(0, 100);
    case 'boolean':
      return prng.next() < 0.5;
    case 'enum': {
      const members = membersOf(property);
      if (!members.length) return undefined;
      const first = prng.pick(members);
      if (!property.flags || members.length < 2 || prng.next() < 0.6) return first;
      const second = prng.pick(members);
      return second === first ? first : `${first},${second}`;
    }
    case 'dateTime':
      return timestamp(prng.integer(0, 20_000));
    case 'date':
      return timestamp(prng.integer(0, 20_000)).slice(0, 10);
    case 'timeOfDay':
      return `${String(prng.integer(0, 23)).padStart(2, '0')}:00:00.0000000`;
    case 'duration':
      return `PT${prng.integer(1, 24)}H`;
    case 'guid':
      return prng.uuid();
    case 'binary':
      return Buffer.from(Array.from({ length: 12 }, () => prng.integer(0, 255))).toString('base64');
    case 'complex':
      return property.type ? generateObject(property.type, prng, depth) : undefined;
    default:
      // Navigation (entity) properties and untyped values are never generated.
      return undefined;
  }
}
