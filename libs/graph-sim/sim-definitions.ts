/**
 * Administrative templates' catalogue: the `groupPolicyDefinitions` a tenant's definition values
 * point at. Built-in (ADMX-backed) definitions are the same in every tenant — same ids, same
 * presentations — as Microsoft's are; custom (ADMX-ingested) ones are the tenant's own, so a
 * definition value naming another tenant's custom definition cannot be written here.
 */
import { Prng } from './prng.js';
import { generateObject, timestamp } from './sim-values.js';

export const BUILT_IN_DEFINITIONS = 200;
export const CUSTOM_DEFINITIONS = 5;

const g = (name: string) => `#microsoft.graph.${name}`;

export type SimPresentation = {
  '@odata.type': string;
  id: string;
  label: string;
} & Record<string, unknown>;

export interface SimDefinition {
  id: string;
  displayName: string;
  classType: string;
  categoryPath: string;
  explainText: string;
  supportedOn: string;
  policyType: 'admxBacked' | 'admxIngested';
  hasRelatedDefinitions: boolean;
  version: string;
  minDeviceCspVersion: string;
  minUserCspVersion: string;
  groupPolicyCategoryId: string;
  lastModifiedDateTime: string;
  presentations: SimPresentation[];
}

/** Each presentation kind and the presentation value that answers it (none: a static label). */
const VALUE_OF: Record<string, string | null> = {
  TextBox: 'Text',
  ComboBox: 'Text',
  DropdownList: 'Text',
  DecimalTextBox: 'Decimal',
  LongDecimalTextBox: 'LongDecimal',
  CheckBox: 'Boolean',
  ListBox: 'List',
  MultiTextBox: 'MultiText',
  Text: null,
};
const KINDS = Object.keys(VALUE_OF);

const CATEGORIES = [
  '\\Windows Components\\Microsoft Edge',
  '\\Windows Components\\BitLocker Drive Encryption',
  '\\Windows Components\\Windows Update',
  '\\System\\Logon',
  '\\System\\Power Management',
  '\\Network\\DNS Client',
  '\\Control Panel\\Personalization',
  '\\Microsoft Office 2016\\Security Settings',
];

function presentation(prng: Prng, definitionName: string, index: number): SimPresentation {
  const id = prng.uuid();
  const kind = prng.pick(KINDS);
  const type = g(`groupPolicyPresentation${kind}`);
  const properties = generateObject(type, prng, 1, {
    concrete: type,
    share: 0.7,
    skip: new Set(['label', 'items', 'defaultItem']),
  });
  const extra: Record<string, unknown> = {};
  if (kind === 'DropdownList') {
    const items = Array.from({ length: prng.integer(2, 3) }, (_, k) => ({
      displayName: `Option ${k + 1}`,
      value: `option${k + 1}`,
    }));
    Object.assign(extra, { items, defaultItem: items[0] });
  }
  return {
    '@odata.type': type,
    id,
    label: `${definitionName}: value ${index + 1}`,
    lastModifiedDateTime: timestamp(prng.integer(0, 5000)),
    ...properties,
    ...extra,
  };
}

function definition(prng: Prng, index: number, custom: boolean): SimDefinition {
  const id = prng.uuid();
  const categoryPath = custom ? '\\Contoso\\Line-of-business apps' : prng.pick(CATEGORIES);
  const leaf = categoryPath.slice(categoryPath.lastIndexOf('\\') + 1);
  const displayName = custom ? `Custom ADMX setting ${index}` : `${leaf} setting ${index}`;
  return {
    id,
    displayName,
    classType: prng.pick(['user', 'machine']),
    categoryPath,
    explainText: `Configures ${displayName.toLowerCase()}.`,
    supportedOn: 'At least Windows 10',
    policyType: custom ? 'admxIngested' : 'admxBacked',
    hasRelatedDefinitions: false,
    version: '1.0',
    minDeviceCspVersion: '10.0.10240',
    minUserCspVersion: '10.0.10240',
    groupPolicyCategoryId: prng.uuid(),
    lastModifiedDateTime: timestamp(prng.integer(0, 5000)),
    presentations: Array.from({ length: prng.integer(0, 2) }, (_, i) =>
      presentation(prng, displayName, i),
    ),
  };
}

let builtIn: readonly SimDefinition[] | undefined;

/** Microsoft's definitions: the same ids in every tenant (the seed names no tenant). */
export function builtInDefinitions(): readonly SimDefinition[] {
  if (!builtIn) {
    const prng = new Prng('groupPolicyDefinitions/builtIn');
    builtIn = Array.from({ length: BUILT_IN_DEFINITIONS }, (_, i) =>
      definition(prng, i + 1, false),
    );
  }
  return builtIn;
}

/** One tenant's catalogue: the built-in definitions and its own ADMX-ingested ones. */
export class DefinitionCatalogue {
  readonly custom: readonly SimDefinition[];
  private readonly byId = new Map<string, SimDefinition>();

  constructor(tenantId: string) {
    const prng = new Prng(`${tenantId}/groupPolicyDefinitions/custom`);
    this.custom = Array.from({ length: CUSTOM_DEFINITIONS }, (_, i) =>
      definition(prng, i + 1, true),
    );
    for (const found of [...builtInDefinitions(), ...this.custom]) this.byId.set(found.id, found);
  }

  get builtIn(): readonly SimDefinition[] {
    return builtInDefinitions();
  }

  all(): SimDefinition[] {
    return [...builtInDefinitions(), ...this.custom];
  }

  get(id: string): SimDefinition | undefined {
    return this.byId.get(id);
  }
}

/** A definition as Graph returns it (its presentations are a navigation property). */
export function definitionView(found: SimDefinition): Record<string, unknown> {
  const { presentations: _presentations, ...view } = found;
  return view;
}

/** The presentation value type that answers a presentation, or null (a static label). */
export function valueTypeFor(presentation: SimPresentation): string | null {
  const kind = presentation['@odata.type'].replace(
    /^#?microsoft\.graph\.groupPolicyPresentation/,
    '',
  );
  const value = VALUE_OF[kind];
  return value ? g(`groupPolicyPresentationValue${value}`) : null;
}

/** A value for a presentation, as written: `@odata.type` and `value` or `values`. */
export function presentationValueFor(
  presentation: SimPresentation,
  prng: Prng,
): Record<string, unknown> | null {
  const type = valueTypeFor(presentation);
  if (!type) return null;
  const kind = type.slice(type.lastIndexOf('Value') + 'Value'.length);
  switch (kind) {
    case 'Text': {
      const items = presentation.items as { value: string }[] | undefined;
      return {
        '@odata.type': type,
        value: items?.length ? prng.pick(items).value : `value-${prng.integer(1, 999)}`,
      };
    }
    case 'Decimal':
    case 'LongDecimal':
      return { '@odata.type': type, value: prng.integer(0, 3600) };
    case 'Boolean':
      return { '@odata.type': type, value: prng.next() < 0.5 };
    case 'List':
      return {
        '@odata.type': type,
        values: Array.from({ length: prng.integer(1, 3) }, (_, i) => ({
          name: `entry${i + 1}`,
          value: `value-${prng.integer(1, 999)}`,
        })),
      };
    default:
      return {
        '@odata.type': type,
        values: Array.from({ length: prng.integer(1, 3) }, () => `line-${prng.integer(1, 999)}`),
      };
  }
}

/** A stored definition value: its own properties plus what it references (kept apart). */
export interface StoredDefinitionValue {
  id: string;
  enabled: boolean;
  configurationType: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  definitionId: string;
  presentationValues: ({ id: string; presentationId: string } & Record<string, unknown>)[];
}

/** 1–10 definition values over distinct definitions, mostly built-in, some the tenant's own. */
export function generateDefinitionValues(
  prng: Prng,
  catalogue: DefinitionCatalogue,
): StoredDefinitionValue[] {
  const used = new Set<string>();
  const values: StoredDefinitionValue[] = [];
  for (let i = prng.integer(1, 10); i > 0; i--) {
    const pool = prng.next() < 0.2 ? catalogue.custom : catalogue.builtIn;
    const found = prng.pick(pool);
    if (used.has(found.id)) continue;
    used.add(found.id);
    const enabled = prng.next() < 0.8;
    const createdDateTime = timestamp(prng.integer(0, 5000));
    values.push({
      id: prng.uuid(),
      enabled,
      configurationType: 'policy',
      createdDateTime,
      lastModifiedDateTime: createdDateTime,
      definitionId: found.id,
      presentationValues: enabled
        ? found.presentations.flatMap((p) => {
            const value = presentationValueFor(p, prng);
            return value
              ? [
                  {
                    ...value,
                    id: prng.uuid(),
                    createdDateTime,
                    lastModifiedDateTime: createdDateTime,
                    presentationId: p.id,
                  },
                ]
              : [];
          })
        : [],
    });
  }
  return values;
}

/** `$expand` as a tree: `definition,presentationValues($expand=presentation)`. */
export type ExpandTree = Map<string, ExpandTree>;

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

export function parseExpand(value: string | null | undefined): ExpandTree {
  const tree: ExpandTree = new Map();
  for (const part of splitTopLevel(value ?? '', ',')) {
    const open = part.indexOf('(');
    const name = (open < 0 ? part : part.slice(0, open)).trim();
    let nested: ExpandTree = new Map();
    if (open >= 0 && part.endsWith(')')) {
      for (const option of splitTopLevel(part.slice(open + 1, -1), ';')) {
        const match = /^\$expand=(.*)$/s.exec(option);
        if (match) nested = parseExpand(match[1]);
      }
    }
    tree.set(name, nested);
  }
  return tree;
}

/** A definition value as Graph returns it, with what `$expand` asks. */
export function renderDefinitionValue(
  stored: StoredDefinitionValue,
  catalogue: DefinitionCatalogue,
  expand: ExpandTree,
): Record<string, unknown> {
  const { definitionId, presentationValues, ...own } = stored;
  const view: Record<string, unknown> = { ...own };
  const found = catalogue.get(definitionId);
  if (expand.has('definition')) view.definition = found ? definitionView(found) : null;
  const values = expand.get('presentationValues');
  if (values) {
    view.presentationValues = presentationValues.map(({ presentationId, ...value }) => {
      if (!values.has('presentation')) return value;
      const presentation = found?.presentations.find((p) => p.id === presentationId);
      return { ...value, presentation: presentation ? { ...presentation } : null };
    });
  }
  return view;
}

const BIND =
  /^\/(?:v1\.0|beta)\/deviceManagement\/groupPolicyDefinitions(?:\('([^'/]+)'\)|\/([^/()']+))(?:\/presentations(?:\('([^'/]+)'\)|\/([^/()']+)))?$/;

/**
 * The definition (and presentation) an `@odata.bind` URL names, whatever its host (Graph's or
 * the sim's) and API version; null when it names neither.
 */
export function parseDefinitionBind(
  url: unknown,
): { definitionId: string; presentationId?: string } | null {
  if (typeof url !== 'string') return null;
  let path: string;
  try {
    path = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  const match = BIND.exec(path);
  if (!match) return null;
  const definitionId = match[1] ?? match[2];
  const presentationId = match[3] ?? match[4];
  return presentationId ? { definitionId, presentationId } : { definitionId };
}
