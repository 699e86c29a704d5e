/**
 * What Microsoft says each Intune policy `@odata.type` looks like: its base type, whether it can be
 * instantiated, and its properties with their kinds, read-only and navigation flags — read from the
 * generated table (`./generated/graph-shapes.ts`, `npm run graph:shapes`), never typed by hand.
 *
 * `@odata.type`s are written as Graph sends them (`#microsoft.graph.windows10CustomConfiguration`);
 * the form without `#` is accepted too. The table holds the types the seven policy collections
 * reach, so `concreteTypesOf` and `isAssignableTo` know those types only.
 */
import {
  GRAPH_ENUMS,
  GRAPH_SHAPES,
  POLICY_COLLECTION_BASE_TYPES,
  type GraphEnumShape,
  type GraphPropertyShape,
  type GraphTypeShape,
  type PolicyConcreteTypes,
} from './generated/graph-shapes.js';

export {
  GRAPH_SHAPES_SOURCES,
  POLICY_COLLECTION_BASE_TYPES,
  type GraphAbstractSource,
  type GraphPropertyKind,
  type GraphReadOnlySource,
  type PolicyConcreteTypes,
} from './generated/graph-shapes.js';

type Shapes = typeof GRAPH_SHAPES;
type Enums = typeof GRAPH_ENUMS;

/** An `@odata.type` of the table, `#microsoft.graph.…`. */
export type ODataType = keyof Shapes;
/** A policy collection of the contract registry (`deviceConfigurations`, …). */
export type PolicyCollection = keyof typeof POLICY_COLLECTION_BASE_TYPES;

export interface GraphTypeInfo extends GraphTypeShape {
  readonly odataType: ODataType;
}

/** A property as a type has it, inherited ones included. */
export interface GraphProperty extends GraphPropertyShape {
  readonly name: string;
  /** The type that declares it: the type itself or one of its bases. */
  readonly declaredBy: ODataType;
  /** For kind `enum`: its members and whether it is a flags enum (`"a,b"` on the wire). */
  readonly enumMembers?: readonly string[];
  readonly flags?: true;
}

const SHAPES: Readonly<Record<string, GraphTypeShape>> = GRAPH_SHAPES;
const ENUMS: Readonly<Record<string, GraphEnumShape>> = GRAPH_ENUMS;

function normalize(odataType: string): string {
  return odataType.startsWith('#') ? odataType : `#${odataType}`;
}

export function isKnownODataType(odataType: string): odataType is ODataType {
  return Object.hasOwn(SHAPES, normalize(odataType));
}

function known(odataType: string): ODataType {
  const type = normalize(odataType);
  if (!isKnownODataType(type)) throw new Error(`unknown @odata.type ${odataType}`);
  return type;
}

/** The type's own entry of the table, or undefined when the table does not have it. */
export function shapeOf(odataType: string): GraphTypeInfo | undefined {
  const type = normalize(odataType);
  return isKnownODataType(type) ? { odataType: type, ...SHAPES[type] } : undefined;
}

/** The type and its bases, the type first (`entity` last for an entity type). */
export function ancestryOf(odataType: string): ODataType[] {
  const chain: ODataType[] = [];
  for (let t: string | undefined = known(odataType); t; t = SHAPES[t].base) {
    chain.push(known(t));
  }
  return chain;
}

/** Whether a value of `odataType` may stand where `baseOdataType` is declared (itself or a subtype). */
export function isAssignableTo(odataType: string, baseOdataType: string): boolean {
  if (!isKnownODataType(normalize(odataType))) return false;
  return ancestryOf(odataType).includes(normalize(baseOdataType) as ODataType);
}

/** Whether the type can be instantiated (not abstract), e.g. as a write's `@odata.type`. */
export function isConcrete(odataType: string): boolean {
  return !SHAPES[known(odataType)].abstract;
}

/** Every `@odata.type` of the table, sorted. */
export const ODATA_TYPES: readonly ODataType[] = Object.keys(SHAPES).sort() as ODataType[];

/** The `@odata.type`s that may be written where `baseOdataType` is declared, sorted. */
export function concreteTypesOf(baseOdataType: string): ODataType[] {
  const base = known(baseOdataType);
  return ODATA_TYPES.filter((t) => !SHAPES[t].abstract && isAssignableTo(t, base));
}

const propertyCache = new Map<ODataType, ReadonlyMap<string, GraphProperty>>();

/** Every property of the type, inherited ones included, by name (sorted). */
export function propertiesOf(odataType: string): ReadonlyMap<string, GraphProperty> {
  const type = known(odataType);
  let properties = propertyCache.get(type);
  if (!properties) {
    const entries: [string, GraphProperty][] = [];
    for (const declaredBy of ancestryOf(type)) {
      for (const [name, shape] of Object.entries(SHAPES[declaredBy].properties)) {
        const enumShape = shape.kind === 'enum' && shape.type ? ENUMS[shape.type] : undefined;
        entries.push([
          name,
          {
            name,
            declaredBy,
            ...shape,
            ...(enumShape ? { enumMembers: enumShape.members } : {}),
            ...(enumShape?.flags ? { flags: true } : {}),
          },
        ]);
      }
    }
    properties = new Map(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    propertyCache.set(type, properties);
  }
  return properties;
}

/** The properties a write may not set: marked read-only by the sources or set by Intune itself. */
export function readOnlyProperties(odataType: string): GraphProperty[] {
  return [...propertiesOf(odataType).values()].filter((p) => p.readOnly);
}

/** The relationships (`assignments`, `settings`, `definitionValues`, `scheduledActionsForRule`…). */
export function navigationPropertiesOf(odataType: string): GraphProperty[] {
  return [...propertiesOf(odataType).values()].filter((p) => p.navigation);
}

/** The properties a create or update body may carry: neither read-only nor navigation. */
export function writablePropertiesOf(odataType: string): GraphProperty[] {
  return [...propertiesOf(odataType).values()].filter((p) => !p.readOnly && !p.navigation);
}

/** The concrete `@odata.type`s a policy collection holds. */
export function policyTypesOf(collection: PolicyCollection): ODataType[] {
  return concreteTypesOf(POLICY_COLLECTION_BASE_TYPES[collection]);
}

// ---- write bodies, typed from the same table ------------------------------------------------
// Type parameters are left unconstrained and narrowed inside conditional types, so that the
// checker works out a body's type only where one is used, not for all 441 types at declaration.

type ShapeOf<T> = T extends ODataType ? Shapes[T] : never;
type BaseOf<T> = ShapeOf<T> extends { readonly base: infer B } ? B : never;
type AncestryOf<T> = [T] extends [never] ? never : T | AncestryOf<BaseOf<T>>;
type PropsOf<T> = [T] extends [never]
  ? unknown
  : T extends ODataType
    ? Shapes[T]['properties'] & PropsOf<BaseOf<T>>
    : unknown;

/** The keys a body may set: not read-only, and navigation ones only when named in `N`. */
type WritableKeys<P, N> = {
  [K in keyof P]: P[K] extends { readonly readOnly: string }
    ? never
    : P[K] extends { readonly navigation: true }
      ? K extends N
        ? K
        : never
      : K;
}[keyof P];

/** The concrete types assignable to `C`. */
type ConcreteOf<C> = {
  [S in ODataType]: C extends AncestryOf<S>
    ? Shapes[S] extends { readonly abstract: string }
      ? never
      : S
    : never;
}[ODataType];

type EnumValue<E> = E extends keyof Enums
  ? Enums[E] extends { readonly flags: true }
    ? Enums[E]['members'][number] | `${Enums[E]['members'][number]},${string}`
    : Enums[E]['members'][number]
  : never;

/**
 * A complex value, or an entity written inline: the declared type needs no `@odata.type`, a
 * subtype does. An inline entity may carry its own navigation properties (`N`).
 */
type InlineValue<C, N> = {
  [S in ConcreteOf<C>]: ([C] extends [S] ? { '@odata.type'?: S } : { '@odata.type': S }) &
    Writable<S, N>;
}[ConcreteOf<C>];

type Scalar<P> = P extends { readonly kind: 'boolean' }
  ? boolean
  : P extends { readonly kind: 'number' }
    ? number
    : P extends { readonly kind: 'enum'; readonly type: infer E }
      ? EnumValue<E>
      : P extends { readonly kind: 'complex'; readonly type: infer C }
        ? InlineValue<C, never>
        : P extends { readonly kind: 'entity'; readonly type: infer C }
          ? InlineValue<C, string>
          : P extends { readonly kind: 'untyped' }
            ? unknown
            : string;

type Value<P> =
  | (P extends { readonly collection: true } ? Scalar<P>[] : Scalar<P>)
  | (P extends { readonly nullable: true } ? null : never);

type Writable<T, N> = {
  -readonly [K in WritableKeys<PropsOf<T>, N>]?: Value<PropsOf<T>[K]>;
};

/**
 * A create/update body of one concrete `@odata.type`: its writable properties (inherited ones
 * included) with the types Microsoft's definitions give them; no read-only property, and no
 * navigation property but those named in `N`, written inline (a compliance policy's
 * `scheduledActionsForRule`, a settings catalog policy's `settings`).
 */
export type WriteBody<T extends ODataType, N extends string = never> = {
  '@odata.type': T;
} & Writable<T, N>;

/** A create body for a policy collection: one of its concrete types, told by `@odata.type`. */
export type PolicyWriteBody<C extends PolicyCollection, N extends string = never> = {
  [T in PolicyConcreteTypes[C]]: WriteBody<T, N>;
}[PolicyConcreteTypes[C]];

export type DeviceConfigurationWrite = PolicyWriteBody<'deviceConfigurations'>;
export type ConfigurationPolicyWrite = PolicyWriteBody<'configurationPolicies'>;
export type DeviceCompliancePolicyWrite = PolicyWriteBody<'deviceCompliancePolicies'>;
export type GroupPolicyConfigurationWrite = PolicyWriteBody<'groupPolicyConfigurations'>;
export type IosManagedAppProtectionWrite = PolicyWriteBody<'iosManagedAppProtections'>;
export type AndroidManagedAppProtectionWrite = PolicyWriteBody<'androidManagedAppProtections'>;
export type DeviceEnrollmentConfigurationWrite = PolicyWriteBody<'deviceEnrollmentConfigurations'>;
