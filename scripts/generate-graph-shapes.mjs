/**
 * Generates libs/graph/generated/graph-shapes.ts: per Intune policy `@odata.type`, its base type,
 * whether it is abstract, and its properties (kind, collection, enum members, referenced type,
 * nullable, read-only, navigation), for the seven policy collections TenantOps keeps and every type
 * they reach. Run `npm run graph:shapes` (`-- --check` only compares, exit 1 when out of date).
 *
 * Sources (both published by Microsoft on the npm registry, pinned exactly in package.json):
 *
 * - `@microsoft/microsoft-graph-types-beta` — the source of record. One d.ts rendered straight from
 *   the beta CSDL: every entity and complex type as an interface, inheritance as `extends`, the
 *   Nullable facet as `NullableOption<…>`, collections as arrays, enums as string unions in their
 *   JSON form (a flags enum is one string, as on the wire), doc comments on properties. It gives
 *   the type set, the properties, collection/nullable, the enum members, and the "read-only" text.
 * - `@microsoft/msgraph-beta-sdk` (Kiota models) — used only to refine what the typings flatten:
 *   their deserializers name the Edm primitive (`getDateValue` → dateTime, `getDateOnlyValue`,
 *   `getTimeOnlyValue`, `getDurationValue`, `getGuidValue`, `getByteArrayValue`), read a flags enum
 *   with `getCollectionOfEnumValues` where the typings have a single value, and their serializers
 *   leave out the properties the metadata marks read-only; the type-level doc comments (absent from
 *   the typings) tell base classes. Kiota alone would not do: every property is `| null` there
 *   (nullability lost) and a flags enum is typed as an array, which is not its JSON form.
 *
 * What neither carries, and how it is handled (each is counted in the generated header):
 *
 * - CSDL's `Abstract` facet. A type with subtypes is taken as abstract when its name ends in
 *   `Base`, its doc comment calls it abstract or a base class/type/entity, or neither it nor its
 *   bases declare any property (an empty type that exists to be derived from); a few roots that
 *   show none of these are listed in ABSTRACT_UNMARKED below. Other types with subtypes stay
 *   concrete (some really are: iosVpnConfiguration, macOSWiFiConfiguration, groupAssignmentTarget).
 *   Concrete types without any property remain: marker subtypes such as edgeHomeButtonHidden.
 * - `createdDateTime`, `lastModifiedDateTime`, `version` and `isAssigned`, which Intune sets
 *   itself, are not always marked read-only by either source: they are listed in SERVER_SET below and recorded as
 *   `readOnly: 'serverSet'`, distinct from what the sources mark (`'documented'`, `'sdk'`).
 * - Navigation properties are not marked either; a property whose type is an entity type is one
 *   (CSDL allows entity types only on navigation properties).
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'libs/graph/generated/graph-shapes.ts');
const require = createRequire(path.join(ROOT, 'package.json'));

const TYPES_PKG = '@microsoft/microsoft-graph-types-beta';
const SDK_PKG = '@microsoft/msgraph-beta-sdk';

/** The policy collections of the contract registry and the base type each holds. */
const POLICY_COLLECTIONS = {
  deviceConfigurations: 'deviceConfiguration',
  configurationPolicies: 'deviceManagementConfigurationPolicy',
  deviceCompliancePolicies: 'deviceCompliancePolicy',
  groupPolicyConfigurations: 'groupPolicyConfiguration',
  iosManagedAppProtections: 'iosManagedAppProtection',
  androidManagedAppProtections: 'androidManagedAppProtection',
  deviceEnrollmentConfigurations: 'deviceEnrollmentConfiguration',
};

/** Abstract in Graph's CSDL, which neither source carries, and not told by name or comment. */
const ABSTRACT_UNMARKED = [
  'deviceConfiguration',
  'deviceManagementConfigurationSettingInstance',
  'deviceManagementConfigurationSettingValue',
  'deviceManagementConfigurationSimpleSettingValue',
  'entity',
  'omaSetting',
];

/**
 * Set by Intune on every write, never marked read-only by the sources. The timestamps on every
 * entity type that has them; on the policy types and their ancestors, `version` and `isAssigned`
 * (computed from the policy's assignments: the app protections' is not marked, the settings
 * catalog's is).
 */
const SERVER_SET = {
  onEntities: ['createdDateTime', 'lastModifiedDateTime'],
  onPolicies: ['version', 'isAssigned'],
};

const READ_ONLY_TEXT = /\bread[- ]?only\b/i;
const BASE_TEXT = /\babstract\b|\bbase (class|type|entity)\b|^base\b|\bthe base\b/i;

const fail = (message) => {
  process.stderr.write(`generate-graph-shapes: ${message}\n`);
  process.exit(2);
};
const lowerFirst = (s) => s[0].toLowerCase() + s.slice(1);
/** Code-unit order: the same on every machine, whatever its locale or ICU. */
const byCodeUnit = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const packageDir = (name) => path.dirname(require.resolve(`${name}/package.json`));
const packageVersion = (name) =>
  JSON.parse(fs.readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')).version;

// ---- the typings (source of record) ---------------------------------------------------------

function readTypings() {
  const file = path.join(packageDir(TYPES_PKG), 'microsoft-graph.d.ts');
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const interfaces = new Map();
  const enums = new Map();
  for (const st of sf.statements) {
    if (ts.isInterfaceDeclaration(st)) interfaces.set(st.name.text, st);
    else if (ts.isTypeAliasDeclaration(st) && st.name.text !== 'NullableOption') {
      const parts = ts.isUnionTypeNode(st.type) ? st.type.types : [st.type];
      if (parts.every((p) => ts.isLiteralTypeNode(p) && ts.isStringLiteral(p.literal))) {
        enums.set(
          st.name.text,
          parts.map((p) => p.literal.text),
        );
      }
    }
  }
  const comment = (node) =>
    (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [])
      .map((r) => text.slice(r.pos, r.end))
      .join('\n');
  return { interfaces, enums, comment };
}

/** `NullableOption<X[]>` → { name: 'X', collection: true, nullable: true }. */
function typeRef(node, where) {
  let nullable = false;
  let collection = false;
  let t = node;
  for (;;) {
    if (ts.isTypeReferenceNode(t) && t.typeName.getText() === 'NullableOption') {
      nullable = true;
      t = t.typeArguments[0];
    } else if (ts.isArrayTypeNode(t)) {
      if (collection) fail(`${where}: nested collection`);
      collection = true;
      t = t.elementType;
    } else if (ts.isParenthesizedTypeNode(t)) t = t.type;
    else break;
  }
  let name;
  if (ts.isTypeReferenceNode(t)) name = t.typeName.getText();
  else if (t.kind === ts.SyntaxKind.StringKeyword) name = 'string';
  else if (t.kind === ts.SyntaxKind.NumberKeyword) name = 'number';
  else if (t.kind === ts.SyntaxKind.BooleanKeyword) name = 'boolean';
  else if (t.kind === ts.SyntaxKind.AnyKeyword) name = 'any';
  else fail(`${where}: unexpected type ${t.getText()}`);
  return { name, collection, nullable };
}

// ---- the Kiota models (refinements) ---------------------------------------------------------

function readSdk() {
  const dir = path.join(packageDir(SDK_PKG), 'models');
  const js = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
  const serialized = new Map();
  for (const m of js.matchAll(
    /^export function serialize(\w+)\(writer, \w+ = \{\}, isSerializingDerivedType = false\) \{\n([\s\S]*?)\n\}$/gm,
  )) {
    serialized.set(
      m[1],
      new Set([...m[2].matchAll(/writer\.write\w+\("([^"]+)"/g)].map((x) => x[1])),
    );
  }
  const read = new Map();
  for (const m of js.matchAll(
    /^export function deserializeInto(\w+)\(\w+ = \{\}\) \{\n([\s\S]*?)\n\}$/gm,
  )) {
    const props = new Map();
    for (const p of m[2].matchAll(/"([^"]+)": n => \{ \w+\.\w+ = n\.(\w+)\(([^)]*)\); \}/g)) {
      props.set(p[1], { method: p[2], arg: p[3] });
    }
    read.set(m[1], props);
  }
  const odataNames = new Map();
  for (const m of js.matchAll(
    /case "#microsoft\.graph\.([A-Za-z0-9]+)":\s*return deserializeInto(\w+);/g,
  )) {
    odataNames.set(m[2], m[1]);
  }
  if (serialized.size < 1000 || read.size < 1000 || odataNames.size < 1000) {
    fail(
      `the ${SDK_PKG} models no longer look as expected (serializers, deserializers, discriminators)`,
    );
  }
  const dts = fs.readFileSync(path.join(dir, 'index.d.ts'), 'utf8');
  const typeDocs = new Map();
  for (const m of dts.matchAll(/\/\*\*\n((?: \*.*\n)*?) \*\/\nexport interface (\w+) /g)) {
    typeDocs.set(
      m[2],
      m[1]
        .replace(/^ \* ?/gm, '')
        .trim()
        .replace(/\s+/g, ' '),
    );
  }
  return { serialized, read, odataNames, typeDocs };
}

const SDK_PRIMITIVE = {
  getDateValue: 'dateTime',
  getDateOnlyValue: 'date',
  getTimeOnlyValue: 'timeOfDay',
  getDurationValue: 'duration',
  getGuidValue: 'guid',
  getByteArrayValue: 'binary',
};

// ---- the closure ----------------------------------------------------------------------------

function build() {
  const typings = readTypings();
  const sdk = readSdk();
  const { interfaces, enums } = typings;
  const baseOf = (name) => {
    const clause = interfaces.get(name).heritageClauses?.[0];
    if (!clause) return undefined;
    if (clause.types.length !== 1) fail(`${name}: more than one base`);
    return clause.types[0].expression.getText();
  };
  const subtypes = new Map();
  for (const name of interfaces.keys()) {
    const base = baseOf(name);
    if (base) subtypes.set(base, [...(subtypes.get(base) ?? []), name]);
  }
  const descendants = (name) => [name, ...(subtypes.get(name) ?? []).flatMap(descendants)];
  const ancestry = (name) => (name ? [name, ...ancestry(baseOf(name))] : []);
  const isEntity = (name) => ancestry(name).includes('Entity');
  const odataName = (name) => sdk.odataNames.get(name) ?? lowerFirst(name);
  const tsName = Object.fromEntries(
    Object.values(POLICY_COLLECTIONS).map((n) => [n, n[0].toUpperCase() + n.slice(1)]),
  );
  for (const n of Object.values(tsName)) if (!interfaces.has(n)) fail(`${TYPES_PKG} has no ${n}`);

  const seen = new Set();
  const queue = Object.values(tsName).flatMap(descendants);
  const usedEnums = new Set();
  while (queue.length) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    if (!interfaces.has(name)) fail(`type ${name} is referenced but not declared`);
    seen.add(name);
    const base = baseOf(name);
    if (base) queue.push(base);
    for (const m of interfaces.get(name).members) {
      const ref = typeRef(m.type, `${name}.${m.name.getText()}`);
      if (interfaces.has(ref.name)) queue.push(...descendants(ref.name));
      else if (enums.has(ref.name)) usedEnums.add(ref.name);
      else if (!['string', 'number', 'boolean', 'any'].includes(ref.name)) {
        fail(`${name}.${m.name.getText()}: unknown type ${ref.name}`);
      }
    }
  }

  const policyAncestry = new Set(Object.values(tsName).flatMap((n) => ancestry(n)));
  const flagsEnums = new Set();
  const notes = {
    kindMismatches: [],
    sdkAgrees: [],
    sdkOnlyProperties: [],
    typesMissingFromSdk: [],
  };
  const types = {};
  for (const name of [...seen].sort((a, b) => byCodeUnit(odataName(a), odataName(b)))) {
    const decl = interfaces.get(name);
    const entity = isEntity(name);
    const sdkRead = sdk.read.get(name);
    const sdkWritten = sdk.serialized.get(name);
    if (!sdkRead) notes.typesMissingFromSdk.push(odataName(name));
    const properties = {};
    for (const m of decl.members) {
      const prop = m.name.getText();
      const where = `${odataName(name)}.${prop}`;
      const ref = typeRef(m.type, where);
      const fromSdk = sdkRead?.get(prop);
      const shape = {};
      if (interfaces.has(ref.name)) {
        shape.kind = isEntity(ref.name) ? 'entity' : 'complex';
        shape.type = `#microsoft.graph.${odataName(ref.name)}`;
      } else if (enums.has(ref.name)) {
        shape.kind = 'enum';
        shape.type = lowerFirst(ref.name);
        if (!ref.collection && fromSdk?.method === 'getCollectionOfEnumValues')
          flagsEnums.add(ref.name);
      } else if (ref.name === 'any') shape.kind = 'untyped';
      else {
        shape.kind = ref.name;
        if (ref.name === 'string' && fromSdk) {
          const refined =
            SDK_PRIMITIVE[fromSdk.method] ??
            (fromSdk.method === 'getCollectionOfPrimitiveValues' && fromSdk.arg === '"Date"'
              ? 'dateTime'
              : undefined);
          if (refined) shape.kind = refined;
          else if (
            !['getStringValue', 'getCollectionOfPrimitiveValues', 'getObjectValue'].includes(
              fromSdk.method,
            )
          ) {
            notes.kindMismatches.push(`${where}: string / ${fromSdk.method}`);
          }
        }
      }
      if (ref.collection) shape.collection = true;
      if (ref.nullable) shape.nullable = true;
      if (shape.kind === 'entity') shape.navigation = true;
      const sdkOmits = Boolean(fromSdk && sdkWritten && !sdkWritten.has(prop));
      if (READ_ONLY_TEXT.test(typings.comment(m))) {
        shape.readOnly = 'documented';
        if (sdkOmits) notes.sdkAgrees.push(where);
      } else if (sdkOmits) shape.readOnly = 'sdk';
      else if (
        (entity && SERVER_SET.onEntities.includes(prop)) ||
        (policyAncestry.has(name) && SERVER_SET.onPolicies.includes(prop))
      ) {
        shape.readOnly = 'serverSet';
      }
      properties[prop] = shape;
    }
    if (sdkRead) {
      for (const prop of sdkRead.keys()) {
        if (!(prop in properties) && !['@odata.type', 'backingStoreEnabled', 'id'].includes(prop)) {
          notes.sdkOnlyProperties.push(`${odataName(name)}.${prop}`);
        }
      }
    }
    let abstract;
    if (subtypes.get(name)?.some((s) => seen.has(s))) {
      if (name.endsWith('Base')) abstract = 'name';
      else if (BASE_TEXT.test(sdk.typeDocs.get(name) ?? '')) abstract = 'comment';
      else if (ancestry(name).every((a) => interfaces.get(a).members.length === 0))
        abstract = 'empty';
      else if (ABSTRACT_UNMARKED.includes(odataName(name))) abstract = 'listed';
    }
    const base = baseOf(name);
    types[`#microsoft.graph.${odataName(name)}`] = {
      ...(base ? { base: `#microsoft.graph.${odataName(base)}` } : {}),
      ...(entity ? { entity: true } : {}),
      ...(abstract ? { abstract } : {}),
      ...(subtypes.get(name)?.some((s) => seen.has(s)) && !abstract ? { hasSubtypes: true } : {}),
      properties: Object.fromEntries(
        Object.keys(properties)
          .sort()
          .map((p) => [p, properties[p]]),
      ),
    };
  }
  for (const n of ABSTRACT_UNMARKED) {
    if (!types[`#microsoft.graph.${n}`]?.abstract)
      fail(`${n} is listed abstract but is not in the table with subtypes`);
  }
  const enumTable = {};
  for (const name of [...usedEnums].sort((a, b) => byCodeUnit(lowerFirst(a), lowerFirst(b)))) {
    enumTable[lowerFirst(name)] = {
      ...(flagsEnums.has(name) ? { flags: true } : {}),
      members: enums.get(name),
    };
  }
  const families = {};
  for (const [resource, base] of Object.entries(POLICY_COLLECTIONS)) {
    const concrete = descendants(tsName[base])
      .map((n) => `#microsoft.graph.${odataName(n)}`)
      .filter((t) => !types[t].abstract)
      .sort(byCodeUnit);
    families[resource] = { base: `#microsoft.graph.${base}`, concrete };
  }
  return { types, enumTable, families, notes };
}

// ---- output ---------------------------------------------------------------------------------

const lit = (v) => JSON.stringify(v); // prettier turns the quotes into the project's
const key = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : lit(k));
const inline = (obj) =>
  `{ ${Object.entries(obj)
    .map(([k, v]) => `${key(k)}: ${Array.isArray(v) ? `[${v.map(lit).join(', ')}]` : lit(v)}`)
    .join(', ')} }`;

function render({ types, enumTable, families, notes }) {
  const typeNames = Object.keys(types);
  const props = typeNames.flatMap((t) =>
    Object.entries(types[t].properties).map(([p, s]) => ({ t, p, s })),
  );
  const count = (f) => props.filter(f).length;
  const readOnly = props.filter(({ s }) => s.readOnly);
  const short = (t) => t.replace('#microsoft.graph.', '');
  const kinds = {};
  for (const { s } of props) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
  /** Items joined by commas, wrapped into comment lines of at most 100 characters. */
  const list = (items) => {
    if (!items.length) return ' *   none';
    const lines = [];
    let line = ' *  ';
    for (const [i, item] of items.entries()) {
      const piece = ` ${item}${i < items.length - 1 ? ',' : '.'}`;
      if (line.length + piece.length > 100) {
        lines.push(line);
        line = ' *  ';
      }
      line += piece;
    }
    return [...lines, line].join('\n');
  };
  const serverSet = readOnly.filter(({ s }) => s.readOnly === 'serverSet');

  const entities = typeNames.filter((t) => types[t].entity).length;
  const abstractTypes = (by) => typeNames.filter((t) => types[t].abstract === by).map(short);
  const readOnlyCount = (by) => count(({ s }) => s.readOnly === by);
  const header = [
    '/**',
    ' * GENERATED by scripts/generate-graph-shapes.mjs: do not edit; `npm run graph:shapes`.',
    ' *',
    ` * Source of record: ${TYPES_PKG}@${packageVersion(TYPES_PKG)} (types,`,
    ' * properties, collection, nullable, enum members, read-only comments); refined by',
    ` * ${SDK_PKG}@${packageVersion(SDK_PKG)} (Edm primitive kinds, flags enums, read-only`,
    ' * by serializer omission, base-class comments). Why both: see the script.',
    ' *',
    ` * Types: ${typeNames.length} (${entities} entity, ${typeNames.length - entities} complex), reached from the`,
    " * policy collections' base types through properties, navigation and subtypes:",
    ...Object.entries(families).map(
      ([r, f]) => ` *   ${r}: ${short(f.base)}, ${f.concrete.length} concrete`,
    ),
    ' * Abstract, by name (…Base):',
    list(abstractTypes('name')),
    ' * Abstract, by doc comment:',
    list(abstractTypes('comment')),
    ' * Abstract, empty bases:',
    list(abstractTypes('empty')),
    ' * Abstract, listed (unmarked by the sources):',
    list(abstractTypes('listed')),
    ' * Concrete with subtypes:',
    list(typeNames.filter((t) => types[t].hasSubtypes).map(short)),
    ` * Enums: ${Object.keys(enumTable).length} (${Object.values(enumTable).filter((e) => e.flags).length} flags).`,
    ` * Properties declared: ${props.length}, ${count(({ s }) => s.navigation)} of them navigation. Kinds:`,
    list(
      Object.entries(kinds)
        .sort()
        .map(([k, n]) => `${k} ${n}`),
    ),
    ` * Read-only: ${readOnly.length}; documented ${readOnlyCount('documented')}, by the SDK only ${readOnlyCount('sdk')},`,
    ` * server-set (listed, unmarked by the sources) ${readOnlyCount('serverSet')}. Of the documented, the`,
    ` * SDK's serializers leave out ${notes.sdkAgrees.length} too.`,
    ' * Documented or by the SDK:',
    ...readOnly
      .filter(({ s }) => s.readOnly !== 'serverSet')
      .map(({ t, p, s }) => ` *   ${short(t)}.${p} (${s.readOnly})`),
    ` * Server-set: ${[...new Set(serverSet.map(({ p }) => p))].sort().join(', ')}, on`,
    list([...new Set(serverSet.map(({ t }) => short(t)))]),
    ' * Properties the SDK has and the typings do not (newer metadata; left out):',
    list(notes.sdkOnlyProperties),
    ' * Types absent from the SDK (kinds not refined):',
    list(notes.typesMissingFromSdk),
    ' * Kind disagreements between the two:',
    list(notes.kindMismatches),
    ' */',
  ].join('\n');

  const out = [];
  out.push(header, '');
  out.push(`export type GraphPropertyKind =
  | 'string' | 'number' | 'boolean' | 'dateTime' | 'date' | 'timeOfDay' | 'duration' | 'guid'
  | 'binary' | 'untyped' | 'enum' | 'complex' | 'entity';

/**
 * How a property is known to be read-only: its doc comment says so (\`documented\`), only the Kiota
 * serializer leaves it out (\`sdk\`), or the generator's list of what Intune sets itself
 * (\`serverSet\`) has it.
 */
export type GraphReadOnlySource = 'documented' | 'sdk' | 'serverSet';

/**
 * Why a type is taken as abstract: its name (…Base), its doc comment, it has subtypes but no
 * property of its own or inherited (\`empty\`), or the generator's list.
 */
export type GraphAbstractSource = 'name' | 'comment' | 'empty' | 'listed';

export interface GraphPropertyShape {
  readonly kind: GraphPropertyKind;
  /** An enum's name (kind \`enum\`), or the \`@odata.type\` referenced (\`complex\`, \`entity\`). */
  readonly type?: string;
  readonly collection?: true;
  readonly nullable?: true;
  readonly readOnly?: GraphReadOnlySource;
  /** A relationship (its type is an entity type): never part of a create body by itself. */
  readonly navigation?: true;
}

export interface GraphTypeShape {
  /** The base type's \`@odata.type\`; none for \`entity\` and root complex types. */
  readonly base?: string;
  /** An entity type (derives from \`entity\`); otherwise a complex type. */
  readonly entity?: true;
  readonly abstract?: GraphAbstractSource;
  /** Concrete, but other types derive from it. */
  readonly hasSubtypes?: true;
  /** The properties this type declares (inherited ones are on its bases), by name. */
  readonly properties: Readonly<Record<string, GraphPropertyShape>>;
}

export interface GraphEnumShape {
  /** A flags enum: the JSON value is one string of members joined by commas. */
  readonly flags?: true;
  readonly members: readonly string[];
}

export const GRAPH_SHAPES_SOURCES = {
  types: ${lit(`${TYPES_PKG}@${packageVersion(TYPES_PKG)}`)},
  sdk: ${lit(`${SDK_PKG}@${packageVersion(SDK_PKG)}`)},
} as const;
`);
  out.push(
    '/** The base type of each policy collection of the contract registry. */',
    'export const POLICY_COLLECTION_BASE_TYPES = {',
    ...Object.entries(families).map(([r, f]) => `  ${r}: ${lit(f.base)},`),
    '} as const;',
    '',
    '/** The concrete `@odata.type`s each policy collection can hold (write-body discriminators). */',
    'export interface PolicyConcreteTypes {',
    ...Object.entries(families).map(([r, f]) => `  ${r}: ${f.concrete.map(lit).join(' | ')};`),
    '}',
    '',
    'export const GRAPH_ENUMS = {',
    ...Object.entries(enumTable).map(([n, e]) => `  ${key(n)}: ${inline(e)},`),
    '} as const satisfies Readonly<Record<string, GraphEnumShape>>;',
    '',
    'export const GRAPH_SHAPES = {',
  );
  for (const t of typeNames) {
    const { properties, ...rest } = types[t];
    const head = Object.entries(rest)
      .map(([k, v]) => `${k}: ${lit(v)}, `)
      .join('');
    out.push(`  ${lit(t)}: { ${head}properties: {`);
    for (const [p, s] of Object.entries(properties)) out.push(`    ${key(p)}: ${inline(s)},`);
    out.push('  } },');
  }
  out.push('} as const satisfies Readonly<Record<string, GraphTypeShape>>;', '');
  return out.join('\n');
}

const shapes = build();
const options = (await prettier.resolveConfig(OUT)) ?? {};
const text = await prettier.format(render(shapes), { ...options, filepath: OUT });
if (process.argv.includes('--check')) {
  const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (current !== text) {
    process.stderr.write(`${path.relative(ROOT, OUT)} is out of date: run npm run graph:shapes\n`);
    process.exit(1);
  }
  process.stdout.write(`${path.relative(ROOT, OUT)} is up to date\n`);
} else {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, text);
  const count = Object.keys(shapes.types).length;
  process.stdout.write(
    `wrote ${path.relative(ROOT, OUT)} (${count} types, ${text.length} bytes)\n`,
  );
}
